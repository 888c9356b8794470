/** Pieces shared by the image events of a post (upload, ready, rejected, removed). */

/** Id of one image request of a post: a UUIDv7 the API makes; part of every object key of that upload. */
export const uploadIdSchema = { type: 'string', format: 'uuid', description: 'Id of the upload (UUIDv7 made by the API).' } as const;

/** Id of a post, as in the post events. */
export const imagePostIdSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

/** Why an image was rejected. `expired` comes from the API's expiry sweep, the rest from the media worker. */
export const imageRejectionCodes = [
  'md5_mismatch',
  'unsupported_type',
  'too_many_pixels',
  'too_large',
  'unreadable',
  'expired',
  'missing',
] as const;

/** Image types the media worker accepts, as read from the file's first bytes. */
export const imageSourceTypes = ['image/png', 'image/jpeg', 'image/bmp'] as const;
