/** Delays between tries: exponential, capped, with jitter so that consumers do not retry in step. */
export interface Backoff {
  /** The wait after the given try (1 after the first) failed. */
  delayAfter(attempt: number): number;
}

export function createBackoff(initialMs: number, maxMs: number, random: () => number = Math.random): Backoff {
  return {
    delayAfter(attempt) {
      const exponent = Math.max(0, attempt - 1);
      const base = Math.min(maxMs, initialMs * 2 ** Math.min(exponent, 52));
      // "Equal jitter": half fixed, half random. The wait still grows with every failure
      // (unlike full jitter, which can pick ~0 ms) while concurrent retries spread out.
      return Math.round(base / 2 + random() * (base / 2));
    },
  };
}

/** setTimeout as a promise that an AbortSignal cuts short (resolving, not rejecting). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
