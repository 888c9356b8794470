import { realTimers, type Timers } from './timers.js';

/**
 * Collects items and hands them over together at most every `intervalMs`, so a burst of events
 * costs one render instead of one per event.
 */
export interface Batcher<T> {
  push(item: T): void;
  /** Hands over what is pending now. */
  flush(): void;
  /** Drops what is pending and stops. */
  cancel(): void;
}

export function createBatcher<T>(deliver: (items: T[]) => void, intervalMs: number, timers: Timers = realTimers): Batcher<T> {
  let pending: T[] = [];
  let timer: unknown;

  function flush(): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    deliver(items);
  }

  return {
    push(item) {
      pending.push(item);
      if (timer === undefined) timer = timers.setTimeout(flush, intervalMs);
    },
    flush,
    cancel() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      pending = [];
    },
  };
}
