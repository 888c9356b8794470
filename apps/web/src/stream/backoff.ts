export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Fraction of the delay drawn at random (0..1), so many tabs do not reconnect in step. */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

/**
 * Delay before reconnect attempt number `attempt` (0 for the first): exponential, capped, with
 * jitter that only ever shortens the delay so maxMs stays a real bound.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}
