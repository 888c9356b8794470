/**
 * The ids of the last `capacity` events received, to drop an event delivered twice (a replay
 * that overlaps what was already shown, an at-least-once redelivery). Oldest ids are forgotten
 * first, so memory stays flat however long the page is open.
 */
export interface SeenIds {
  /** Records the id; false when it was already there (a duplicate). */
  add(id: string): boolean;
  has(id: string): boolean;
  readonly size: number;
}

export function createSeenIds(capacity: number): SeenIds {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  const ids = new Set<string>(); // insertion order = arrival order
  return {
    add(id) {
      if (ids.has(id)) return false;
      ids.add(id);
      if (ids.size > capacity) ids.delete(ids.values().next().value as string);
      return true;
    },
    has: (id) => ids.has(id),
    get size() {
      return ids.size;
    },
  };
}
