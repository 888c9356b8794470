/** Every error the event log raises: one class, a closed list of codes, the cause kept. */
export const EVENT_LOG_ERROR_CODES = {
  /** DynamoDB could not be reached (or kept failing) within the allowed attempts. */
  unavailable: 'HERALD_EVENT_LOG_UNAVAILABLE',
  /** The table exists but is not usable as an event log (wrong key schema). */
  badTable: 'HERALD_EVENT_LOG_BAD_TABLE',
  /** A batch delete left items unprocessed after its retries. */
  incompleteRemove: 'HERALD_EVENT_LOG_INCOMPLETE_REMOVE',
  /** The embedded log's folder is open in another process (LevelDB allows one). */
  folderInUse: 'HERALD_EVENT_LOG_FOLDER_IN_USE',
} as const;

export type EventLogErrorCode = (typeof EVENT_LOG_ERROR_CODES)[keyof typeof EVENT_LOG_ERROR_CODES];

export class EventLogError extends Error {
  constructor(
    readonly code: EventLogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventLogError';
  }
}

/** Socket and DNS error codes that mean "the server could not be reached", for any client. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  // The table vanished or is being recreated: a dependency problem, not a bad event.
  'ResourceNotFoundException',
]);

/**
 * True when an error from the event log means "DynamoDB is unreachable, slow or overloaded"
 * (network errors, timeouts, throttling, 5xx) rather than "this event cannot be stored".
 * Walks `cause` chains, so wrapped errors are classified by what they wrap.
 */
export function isTransientEventLogError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (typeof current !== 'object') return false;
    const e = current as {
      name?: unknown;
      code?: unknown;
      $retryable?: unknown;
      $metadata?: { httpStatusCode?: unknown };
      $fault?: unknown;
      cause?: unknown;
    };
    if (
      current instanceof EventLogError &&
      (current.code === EVENT_LOG_ERROR_CODES.unavailable || current.code === EVENT_LOG_ERROR_CODES.incompleteRemove)
    ) {
      return true;
    }
    if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return true;
    if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
    if (e.$retryable) return true;
    if (e.$fault === 'server') return true;
    const status = e.$metadata?.httpStatusCode;
    if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
    current = e.cause;
  }
  return false;
}
