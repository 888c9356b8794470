import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { imagePostIdSchema, imageRejectionCodes, uploadIdSchema } from './post-image.js';

/** Payload (`data`) of the event. */
export const postImageRejectedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['post_id', 'author_id', 'upload_id', 'reason_code', 'reason'],
  properties: {
    post_id: imagePostIdSchema,
    author_id: { type: 'string', format: 'uuid' },
    upload_id: uploadIdSchema,
    reason_code: {
      enum: imageRejectionCodes,
      description:
        '`md5_mismatch`, `unsupported_type`, `too_many_pixels`, `too_large`, `unreadable`, `missing` (media worker); `expired` (the upload was not completed in time; API expiry sweep).',
    },
    reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Human-readable explanation, shown to the author.' },
  },
} as const;

export const postImageRejectedSchema = {
  $id: 'urn:herald:event:PostImageRejected:1',
  title: 'PostImageRejected',
  description:
    "A post's image was refused (failed a check of the media worker, or expired before its upload completed); its original is deleted and the post stays without an image. Event id from the worker: UUIDv5 of `<upload id>:rejected`. `subject` is the post id.",
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostImageRejected' },
    dataschema: { const: 'urn:herald:event:PostImageRejected:1' },
    data: postImageRejectedDataSchema,
  },
} as const;

export type PostImageRejected = FromSchema<typeof postImageRejectedSchema>;
export type PostImageRejectedData = FromSchema<typeof postImageRejectedDataSchema>;
