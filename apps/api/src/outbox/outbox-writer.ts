import { eventCatalog, topicName, type HeraldEvent } from '@herald/event-schemas';
import type { PoolClient } from '../db/pool.js';

/**
 * Appends events to the outbox inside the caller's transaction, so they commit or roll back
 * together with the state change they describe. The events were validated when created
 * (`createEvent`), so nothing invalid is ever committed.
 */
export async function appendToOutbox(client: PoolClient, events: HeraldEvent[], topicPrefix: string): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO outbox (event_id, event_type, topic, message_key, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => topicName(eventCatalog[e.type].topic, topicPrefix)),
      events.map((e) => e.subject),
      events.map((e) => JSON.stringify(e)),
    ],
  );
}
