import { sleep } from '@herald/consumer-runtime';

export interface StartInTurnOptions<T> {
  /** Each module as it starts goes here, so that stats and stop see the ones already running. */
  running: T[];
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called before each wait; `delayMs` is how long the wait will be. */
  onRetry(name: string, error: unknown, delayMs: number): void;
  /** An abortable wait: stopping must not sit out a 30 s delay. */
  signal: AbortSignal;
}

/**
 * Starts modules one after the other. One that cannot start (the broker away, a topic whose
 * leaders are not known yet) is tried again with a doubling delay, keeping those already running:
 * an outage at start-up delays consuming instead of leaving the events unconsumed until the next
 * restart. Resolves true once all run, false when aborted first.
 */
export async function startInTurn<T>(
  modules: ReadonlyArray<{ name: string; start(): Promise<T> }>,
  { running, initialDelayMs, maxDelayMs, onRetry, signal }: StartInTurnOptions<T>,
): Promise<boolean> {
  let delay = initialDelayMs;
  while (running.length < modules.length) {
    if (signal.aborted) return false;
    const module = modules[running.length]!;
    try {
      running.push(await module.start());
      delay = initialDelayMs;
    } catch (error) {
      if (signal.aborted) return false;
      onRetry(module.name, error, delay);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
  return true;
}
