/** Codes of the errors the fan-out service throws on purpose; never reused for another meaning. */
export const FANOUT_ERROR_CODES = {
  config: 'HERALD_FANOUT_CONFIG_INVALID',
  /** A table exists with another key schema than the fan-out's. */
  badTable: 'HERALD_FANOUT_BAD_TABLE',
  /** DynamoDB kept leaving items of a batch write unprocessed. */
  unprocessed: 'HERALD_FANOUT_UNPROCESSED_ITEMS',
} as const;

export type FanoutErrorCode = (typeof FANOUT_ERROR_CODES)[keyof typeof FANOUT_ERROR_CODES];

export class FanoutError extends Error {
  constructor(
    readonly code: FanoutErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FanoutError';
  }
}

export function isFanoutError(error: unknown, code?: FanoutErrorCode): error is FanoutError {
  return error instanceof FanoutError && (code === undefined || error.code === code);
}
