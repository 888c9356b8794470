import type { Storage } from './storage.js';
import { storageError } from './storage.js';

type Offsets = Record<string, Record<string, Record<string, number>>>;

/**
 * Committed offsets per group/topic/partition ("next offset to read"). Commits land in memory at
 * once and reach disk shortly after (batched), plus on flush(): a consumer's stop() and the
 * broker's close() flush, so only a crash can lose the last few commits — and a lost commit only
 * means redelivery, which at-least-once consumers already tolerate.
 */
export interface OffsetStore {
  get(group: string, topic: string, partition: number): number | undefined;
  commit(group: string, topic: string, partition: number, nextOffset: number): void;
  flush(): Promise<void>;
}

/**
 * How long commits gather in memory before one write takes them all to disk. Each write is a
 * temporary file, an fsync and a rename: at every 50 ms, under load, those cost the API's loop
 * about 3 % of its time. A crash loses at most this much of commits, which only means redelivery
 * (Kafka clients commit every 5 s by default, `auto.commit.interval.ms`).
 */
export const OFFSET_FLUSH_DELAY_MS = 1_000;

export async function openOffsetStore(storage: Storage | undefined): Promise<OffsetStore> {
  const offsets: Offsets = storage ? parseOffsets(await storage.readOffsets()) : {};
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (!storage || !dirty) return writing;
    dirty = false;
    // Each write snapshots the whole map, chained so an older snapshot never lands last.
    const snapshot = structuredClone(offsets);
    writing = writing
      .catch(() => {})
      .then(() => storage.writeOffsets(snapshot))
      .catch((error: unknown) => {
        dirty = true; // written again by the next flush
        throw storageError('Cannot write committed offsets', error);
      });
    return writing;
  }

  return {
    get(group, topic, partition) {
      return offsets[group]?.[topic]?.[String(partition)];
    },
    commit(group, topic, partition, nextOffset) {
      const byTopic = (offsets[group] ??= {});
      const byPartition = (byTopic[topic] ??= {});
      byPartition[String(partition)] = nextOffset;
      if (!storage) return;
      dirty = true;
      timer ??= setTimeout(() => {
        // A failure stays visible to the next flush(), which stop() and close() await.
        flush().catch(() => {});
      }, OFFSET_FLUSH_DELAY_MS);
    },
    flush,
  };
}

function parseOffsets(value: unknown): Offsets {
  if (value === null || typeof value !== 'object') throw storageError('offsets.json is not an object');
  return value as Offsets;
}
