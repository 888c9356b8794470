import type { EventLog, LogEntry } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord } from '@herald/event-transport';

/** BatchWriteItem requests (25 events each) one batch keeps in flight. */
export const LOG_WRITE_CONCURRENCY = 4;

export interface LogEventsDeps {
  eventLog: EventLog;
  /** Aborts the writes when the consumer is stopping (the batch is then delivered again). */
  signal?: AbortSignal;
}

/**
 * Where an event goes in the log order: the broker timestamp of the record that delivered it.
 *
 * Why not the time of the write, as a conditional put could afford: a batch is written with
 * BatchWriteItem, whose puts cannot be conditional, so a redelivered event overwrites its item.
 * Every attribute of an item (`logged_at`, and from it the `by-log` key, the log hour and the TTL
 * `expires_at`; the rest comes from the event) must therefore come out the same on every
 * delivery, and the record's timestamp does: a redelivery, a retry after a lost answer, or the
 * single-event path all write the identical item. A conditional path (a read before the write, or
 * a transaction) would cost a round trip or twice the write units per event, for nothing.
 *
 * It also serves the readers of the log order. `after(id)` (SSE resume) gets a partition's events
 * in the order the broker appended them (timestamps do not go back within a partition; the event
 * id, time-ordered, breaks ties within a millisecond), whichever notifier instance logged them,
 * however late, and in whatever order its batches finished. The price: an event published twice
 * (a relay retry after a lost acknowledgement) arrives in two records, and the later one moves
 * its item to the later time; and an item logged after a long backlog carries its old publish
 * time, so it is due for the archive (and its TTL) as of that time.
 *
 * A record without a usable timestamp falls back to the event's own time, also fixed.
 */
export function loggedAtOf(event: HeraldEvent, record: Pick<DeliveredRecord, 'timestamp'>): Date {
  return new Date(Number.isSafeInteger(record.timestamp) && record.timestamp > 0 ? record.timestamp : Date.parse(event.time));
}

/**
 * Appends a batch of events to the event log, each at the time of its record (see loggedAtOf), so
 * that writing the batch again, whole or overlapping, leaves every item as it was.
 */
export async function logEvents(
  events: readonly HeraldEvent[],
  records: ReadonlyArray<Pick<DeliveredRecord, 'timestamp'>>,
  deps: LogEventsDeps,
): Promise<void> {
  const entries: LogEntry[] = events.map((event, index) => ({ event, loggedAt: loggedAtOf(event, records[index]!) }));
  await deps.eventLog.appendBatch(entries, {
    concurrency: LOG_WRITE_CONCURRENCY,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}
