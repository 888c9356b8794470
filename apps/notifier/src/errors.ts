/** Codes of the errors the notifier throws on purpose; never reused for another meaning. */
export const NOTIFIER_ERROR_CODES = {
  config: 'HERALD_NOTIFIER_CONFIG_INVALID',
  /** Object storage could not be reached (or kept failing) within the allowed attempts. */
  archiveUnavailable: 'HERALD_NOTIFIER_ARCHIVE_UNAVAILABLE',
  /** An archive object could not be read back as gzip NDJSON of events, or was stored short. */
  archiveCorrupt: 'HERALD_NOTIFIER_ARCHIVE_CORRUPT',
  /** The replay command was called wrongly. */
  replayUsage: 'HERALD_NOTIFIER_REPLAY_USAGE',
} as const;

export type NotifierErrorCode = (typeof NOTIFIER_ERROR_CODES)[keyof typeof NOTIFIER_ERROR_CODES];

export class NotifierError extends Error {
  constructor(
    readonly code: NotifierErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NotifierError';
  }
}

export function isNotifierError(error: unknown, code?: NotifierErrorCode): error is NotifierError {
  return error instanceof NotifierError && (code === undefined || error.code === code);
}
