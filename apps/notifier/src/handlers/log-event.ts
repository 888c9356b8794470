import type { EventLog } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';

export interface LogEventDeps {
  eventLog: EventLog;
  /** Aborts the write when the consumer is stopping (the record is then delivered again). */
  signal?: AbortSignal;
  /** Defaults to now. */
  loggedAt?: Date;
}

/**
 * Appends the event to the event log. Idempotent by event id: a redelivery, or a retry whose
 * first try was stored but not acknowledged, finds the item there and writes nothing.
 */
export async function logEvent(event: HeraldEvent, deps: LogEventDeps): Promise<'written' | 'duplicate'> {
  return deps.eventLog.append(event, deps.loggedAt ?? new Date(), deps.signal ? { signal: deps.signal } : {});
}
