import type { HeraldEvent } from '../api/types.js';

/** How many events the live list keeps; older ones fall off so memory stays flat. */
export const EVENT_LOG_CAPACITY = 500;

/**
 * The live list after a batch arrives: newest first, at most `capacity` events. `batch` is in
 * arrival order (oldest first), as the stream delivers it.
 */
export function prependEvents(log: readonly HeraldEvent[], batch: readonly HeraldEvent[], capacity = EVENT_LOG_CAPACITY): HeraldEvent[] {
  if (batch.length === 0) return log as HeraldEvent[];
  const newestFirst = batch.slice(-capacity).reverse();
  return newestFirst.concat(log.slice(0, Math.max(0, capacity - newestFirst.length)));
}

/** Number of events of each type in the list. */
export function countByType(log: readonly HeraldEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of log) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return counts;
}
