/** Codes of the errors analytics throws on purpose; never reused for another meaning. */
export const ANALYTICS_ERROR_CODES = {
  /** A query function was called with arguments outside its contract (the API answers 400). */
  invalidQuery: 'HERALD_ANALYTICS_INVALID_QUERY',
  config: 'HERALD_ANALYTICS_CONFIG_INVALID',
} as const;

export type AnalyticsErrorCode = (typeof ANALYTICS_ERROR_CODES)[keyof typeof ANALYTICS_ERROR_CODES];

export class AnalyticsError extends Error {
  /** For invalid queries: the argument at fault (`minutes`, `types`). */
  readonly field: string | undefined;

  constructor(
    readonly code: AnalyticsErrorCode,
    message: string,
    options: { cause?: unknown; field?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AnalyticsError';
    this.field = options.field;
  }
}

export function isAnalyticsError(error: unknown, code?: AnalyticsErrorCode): error is AnalyticsError {
  return error instanceof AnalyticsError && (code === undefined || error.code === code);
}
