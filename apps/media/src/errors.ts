/** Codes of the errors the media worker throws on purpose; never reused for another meaning. */
export const MEDIA_ERROR_CODES = {
  config: 'HERALD_MEDIA_CONFIG_INVALID',
  /** A storage notification or event names an upload the worker cannot place (bad key, metadata contradicting the key). */
  badUpload: 'HERALD_MEDIA_BAD_UPLOAD',
} as const;

export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[keyof typeof MEDIA_ERROR_CODES];

export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MediaError';
  }
}

export function isMediaError(error: unknown, code?: MediaErrorCode): error is MediaError {
  return error instanceof MediaError && (code === undefined || error.code === code);
}
