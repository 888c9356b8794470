/**
 * The ids of the events handled most recently, bounded: once full, the least recently seen id is
 * forgotten. A Map keeps insertion order, so re-inserting an id on a hit makes it the newest.
 */
export interface RecentIds {
  /** True when the id is remembered; a hit makes it the most recent. */
  has(id: string): boolean;
  add(id: string): void;
  readonly size: number;
}

export function createRecentIds(capacity: number): RecentIds {
  const ids = new Map<string, true>();
  return {
    has(id) {
      if (!ids.delete(id)) return false;
      ids.set(id, true);
      return true;
    },
    add(id) {
      if (capacity <= 0) return;
      ids.delete(id);
      ids.set(id, true);
      while (ids.size > capacity) {
        const oldest = ids.keys().next().value as string;
        ids.delete(oldest);
      }
    },
    get size() {
      return ids.size;
    },
  };
}
