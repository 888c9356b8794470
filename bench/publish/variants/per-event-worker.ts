/**
 * Worker of the worker-per-event variant: lives for exactly one commit. It builds its own
 * producer and database session, sends one commit's outbox rows, marks them published and exits,
 * so every event pays for a thread, a module graph, a TCP connection and a producer id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createProducerFromDescriptor, type KafkaTransportDescriptor } from '@herald/event-transport';
import pg from 'pg';

export interface PerEventWorkerData {
  databaseUrl: string;
  descriptor: KafkaTransportDescriptor;
  /**
   * The record headers, handed over rather than imported: importing @herald/event-schemas would
   * compile its validators in every worker and roughly double the start-up cost measured here.
   */
  headers: Record<string, string>;
}

/** What the worker tells its parent before exiting. */
export interface PerEventWorkerResult {
  sent: number;
}

interface ClaimedRow {
  position: string;
  topic: string;
  message_key: string;
  payload: string;
}

const { databaseUrl, descriptor, headers } = workerData as PerEventWorkerData;

async function publishOneCommit(): Promise<number> {
  const producer = createProducerFromDescriptor(descriptor);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'herald-bench-per-event' });
  await producer.connect();
  await client.connect();
  try {
    await client.query('BEGIN');
    // The worker does not know which commit nudged it; it takes the oldest commit nobody else has
    // claimed. SKIP LOCKED keeps concurrent workers off each other's rows, and rows of one
    // transaction share `xmin`, so "that commit's rows" are all rows with the head row's xmin.
    const head = await client.query<{ xid: string }>(
      `SELECT xmin::text AS xid FROM outbox
       WHERE published_at IS NULL AND set_aside_at IS NULL
       ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    const xid = head.rows[0]?.xid;
    if (!xid) {
      await client.query('COMMIT');
      return 0;
    }
    const { rows } = await client.query<ClaimedRow>(
      `SELECT position::text, topic, message_key, payload::text AS payload FROM outbox
       WHERE xmin = $1::xid AND published_at IS NULL AND set_aside_at IS NULL
       ORDER BY position FOR UPDATE SKIP LOCKED`,
      [xid],
    );
    await producer.send(
      rows.map((row) => ({
        topic: row.topic,
        key: row.message_key,
        value: row.payload,
        headers,
      })),
    );
    await client.query('UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE position = ANY($1::bigint[])', [
      rows.map((row) => row.position),
    ]);
    await client.query('COMMIT');
    return rows.length;
  } catch (error) {
    // Rolling back releases the claim; the parent starts another worker for this commit.
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await producer.disconnect().catch(() => {});
    await client.end().catch(() => {});
  }
}

const sent = await publishOneCommit();
parentPort!.postMessage({ sent } satisfies PerEventWorkerResult);
