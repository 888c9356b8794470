/**
 * A level-free "something changed" signal: waiters park on wait() and every notify() releases all
 * of them. It is how embedded consumers sleep until a record is appended instead of polling.
 */
export interface Wakeup {
  /** Resolves at the next notify(), or when the signal aborts. */
  wait(signal?: AbortSignal): Promise<void>;
  notify(): void;
}

export function createWakeup(): Wakeup {
  let release: () => void = () => {};
  let next = new Promise<void>((resolve) => {
    release = resolve;
  });

  return {
    wait(signal) {
      if (!signal) return next;
      if (signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        void next.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
    notify() {
      const current = release;
      next = new Promise<void>((resolve) => {
        release = resolve;
      });
      current();
    },
  };
}

/** setTimeout as a promise that an AbortSignal cuts short (resolving, not rejecting). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
