import { parseEvent } from '@herald/event-schemas';
import { deadLetterTopic, listDeadLetters, type DeadLetter } from '@herald/consumer-runtime';
import type { EventTransport } from '@herald/event-transport';
import type { Pool } from '../db/pool.js';
import type { components } from '../openapi/contract.generated.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';

type DeadLetterView = components['schemas']['DeadLetter'];

export interface DeadLetterServiceOptions {
  pool: Pool;
  unitOfWork: UnitOfWork;
  transport: EventTransport;
  topicPrefix: string;
}

function parsedValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Dead letters are read from each consumer's dead-letter topic. Re-driving writes the event back
 * into the outbox (so it leaves through the one producer, like any event) and records the dead
 * letter as re-driven in the same transaction: each is re-driven once, and consumers, being
 * idempotent by event id, ignore it where it had been handled.
 */
export function createDeadLetterService({ pool, unitOfWork, transport, topicPrefix }: DeadLetterServiceOptions) {
  async function redrivenOffsets(group: string): Promise<Set<string>> {
    const { rows } = await pool.query<{ offset: string }>(
      'SELECT dead_letter_offset::text AS offset FROM dead_letter_redrives WHERE consumer_group = $1',
      [group],
    );
    return new Set(rows.map((row) => row.offset));
  }

  async function read(group: string): Promise<Array<DeadLetter & { redrivenHere: boolean }>> {
    const [deadLetters, redriven] = await Promise.all([
      listDeadLetters(transport, { name: group, prefix: topicPrefix }),
      redrivenOffsets(group),
    ]);
    return deadLetters.map((deadLetter) => ({ ...deadLetter, redrivenHere: redriven.has(deadLetter.offset) }));
  }

  return {
    async list(group: string) {
      const items: DeadLetterView[] = (await read(group)).map((d) => ({
        offset: d.offset,
        event_id: d.eventId,
        event_type: d.eventType,
        reason: d.reason,
        attempts: d.attempts,
        dead_lettered_at: d.deadLetteredAt,
        source: d.source,
        redriven: d.redrivenHere || d.redriven,
        event: parsedValue(d.value),
      }));
      return { group, topic: deadLetterTopic(group, topicPrefix), items };
    },

    async redrive(group: string, eventIds: string[] | undefined) {
      const wanted = eventIds ? new Set(eventIds) : undefined;
      const redriven: string[] = [];
      const skipped: Array<{ offset: string; reason: string }> = [];
      for (const deadLetter of await read(group)) {
        if (deadLetter.redrivenHere || deadLetter.redriven) continue;
        if (wanted && (!deadLetter.eventId || !wanted.has(deadLetter.eventId))) continue;
        const parsed = parseEvent(deadLetter.value);
        if (!parsed.valid) {
          skipped.push({
            offset: deadLetter.offset,
            reason: `not a valid event: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
          });
          continue;
        }
        const recorded = await unitOfWork.run(async (client) => {
          const { rowCount } = await client.query(
            `INSERT INTO dead_letter_redrives (consumer_group, dead_letter_offset, event_id)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [group, deadLetter.offset, parsed.event.id],
          );
          // Someone else re-drove it in the meantime.
          if (rowCount === 0) return { result: false, events: [] };
          return { result: true, events: [parsed.event] };
        });
        if (recorded) redriven.push(deadLetter.offset);
      }
      return { group, redriven, skipped };
    },
  };
}

export type DeadLetterService = ReturnType<typeof createDeadLetterService>;
