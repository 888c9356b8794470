import type { Pool } from '../db/pool.js';
import { addViews } from './repository.js';

/**
 * Reads of single posts, counted in memory and added to `posts.view_count` in one statement every
 * `flushMs`: a read never waits for a write. Each instance adds its own counts, so several
 * instances sum up. Counts not yet written are added to what a read returns; a crash loses at
 * most one interval of counts (a view count is a statistic, not a record).
 */
export interface ViewCounter {
  count(postId: string): void;
  /** Reads of the post counted here and not written yet. */
  pending(postId: string): number;
  forget(postId: string): void;
  /** Writes what is pending (called on its timer and at shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createViewCounter({ pool, flushMs, onError }: { pool: Pool; flushMs: number; onError: (error: unknown) => void }): ViewCounter {
  let pending = new Map<string, number>();
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    if (flushing) await flushing;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    flushing = addViews(pool, batch)
      .catch((error: unknown) => {
        // Put them back: the next interval tries again (views of a deleted post simply vanish).
        for (const [id, n] of batch) pending.set(id, (pending.get(id) ?? 0) + n);
        onError(error);
      })
      .finally(() => {
        flushing = undefined;
      });
    await flushing;
  }

  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  return {
    count(postId) {
      pending.set(postId, (pending.get(postId) ?? 0) + 1);
    },
    pending: (postId) => pending.get(postId) ?? 0,
    forget(postId) {
      pending.delete(postId);
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
