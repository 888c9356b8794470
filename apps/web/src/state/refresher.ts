import { realTimers, type Timers } from '../stream/timers.js';

/**
 * Coalesces requests for a reload: the first request schedules `load` after `delayMs`, the
 * requests until then ride along (so a steady flow of events still reloads every `delayMs`
 * instead of never, as a plain debounce would), and loads never overlap: a request made while a
 * load runs causes one more load after it, so the last change is always picked up.
 */
export interface Refresher {
  /** Asks for a load soon. */
  request(): void;
  /** Loads now (still one at a time). */
  now(): void;
  stop(): void;
}

export function createRefresher(load: () => Promise<unknown>, delayMs: number, timers: Timers = realTimers): Refresher {
  let timer: unknown;
  let running = false;
  let again = false;
  let stopped = false;

  function run(): void {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void Promise.resolve()
      .then(load)
      .catch(() => {}) // the caller's load reports its own errors
      .finally(() => {
        running = false;
        if (again && !stopped) {
          again = false;
          run();
        }
      });
  }

  return {
    request() {
      if (stopped || timer !== undefined) return;
      timer = timers.setTimeout(run, delayMs);
    },
    now() {
      if (timer !== undefined) timers.clearTimeout(timer);
      run();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
