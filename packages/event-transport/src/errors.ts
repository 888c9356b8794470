/**
 * Every error this package raises is a TransportError carrying one of these codes, so callers
 * branch on `error.code` rather than on message text. Codes are never reused for another meaning.
 */
export const TRANSPORT_ERROR_CODES = [
  /** The broker cannot be reached (Kafka outage, or the embedded broker set unavailable). */
  'ERR_TRANSPORT_UNAVAILABLE',
  /** A send was not acknowledged for another reason; treat the whole batch as not sent. */
  'ERR_TRANSPORT_SEND_FAILED',
  /** The producer, consumer or transport was closed (or disconnected) before the call. */
  'ERR_TRANSPORT_CLOSED',
  /** A topic that was never created (see ensureTopics) was produced to, consumed or measured. */
  'ERR_TRANSPORT_UNKNOWN_TOPIC',
  /** A topic name or partition count Kafka would refuse. */
  'ERR_TRANSPORT_INVALID_TOPIC',
  /** A message whose key, value or headers are not strings. */
  'ERR_TRANSPORT_INVALID_MESSAGE',
  /**
   * A consumer's run() was called twice, a consumer could not join its group, or runBatches() was
   * given an invalid maxBatchSize (a batch handler's invalid count is logged with it too).
   */
  'ERR_TRANSPORT_CONSUMER_FAILED',
  /** An admin operation (topic creation, offsets lookup) failed. */
  'ERR_TRANSPORT_ADMIN_FAILED',
  /** The embedded broker could not read or write its data directory. */
  'ERR_TRANSPORT_STORAGE_FAILED',
] as const;

export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isTransportErrorCode(value: unknown): value is TransportErrorCode {
  return typeof value === 'string' && (TRANSPORT_ERROR_CODES as readonly string[]).includes(value);
}

export function isTransportError(error: unknown, code?: TransportErrorCode): error is TransportError {
  return error instanceof TransportError && (code === undefined || error.code === code);
}
