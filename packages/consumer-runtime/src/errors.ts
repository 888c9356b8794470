/**
 * Every error this package raises is a ConsumerRuntimeError carrying one of these codes, so
 * callers branch on `error.code` rather than on message text. Codes are never reused.
 */
export const CONSUMER_RUNTIME_ERROR_CODES = [
  /** A consumer definition or runtime option is missing or out of range. */
  'ERR_CONSUMER_INVALID_OPTIONS',
  /**
   * A record was given back unhandled because the consumer is stopping. Its offset is not
   * committed: the group delivers it again, to this process after a restart or to another member.
   */
  'ERR_CONSUMER_STOPPING',
  /** A dead-letter topic has more than one partition, so its offsets do not order it. */
  'ERR_DEAD_LETTER_TOPIC_PARTITIONS',
  /** Reading a dead-letter topic (or re-driving it) did not reach its end in time. */
  'ERR_DEAD_LETTERS_TIMEOUT',
] as const;

export type ConsumerRuntimeErrorCode = (typeof CONSUMER_RUNTIME_ERROR_CODES)[number];

export class ConsumerRuntimeError extends Error {
  override readonly name = 'ConsumerRuntimeError';
  readonly code: ConsumerRuntimeErrorCode;

  constructor(code: ConsumerRuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isConsumerRuntimeError(error: unknown, code?: ConsumerRuntimeErrorCode): error is ConsumerRuntimeError {
  return error instanceof ConsumerRuntimeError && (code === undefined || error.code === code);
}

/** The message to record for any thrown value (handlers may throw non-Errors). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
