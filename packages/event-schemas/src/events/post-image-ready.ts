import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { imagePostIdSchema, imageSourceTypes, uploadIdSchema } from './post-image.js';

/** Payload (`data`) of the event. */
export const postImageReadyDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'post_id',
    'author_id',
    'upload_id',
    'image_key',
    'width',
    'height',
    'source_width',
    'source_height',
    'source_type',
    'size_bytes',
  ],
  properties: {
    post_id: imagePostIdSchema,
    author_id: { type: 'string', format: 'uuid' },
    upload_id: uploadIdSchema,
    image_key: {
      type: 'string',
      pattern: '^images/[A-Za-z0-9_-]{1,64}/[0-9a-f-]{36}/600x600\\.jpg$',
      description: 'Key of the converted JPEG in the media bucket: `images/<post id>/<upload id>/600x600.jpg`.',
    },
    width: { type: 'integer', minimum: 1, description: 'Width of the converted JPEG in pixels (600).' },
    height: { type: 'integer', minimum: 1, description: 'Height of the converted JPEG in pixels (600).' },
    source_width: { type: 'integer', minimum: 1, description: 'Width of the uploaded original in pixels.' },
    source_height: { type: 'integer', minimum: 1, description: 'Height of the uploaded original in pixels.' },
    source_type: { enum: imageSourceTypes, description: "The original's type, read from its first bytes." },
    size_bytes: { type: 'integer', minimum: 1, description: 'Size of the uploaded original in bytes.' },
  },
} as const;

export const postImageReadySchema = {
  $id: 'urn:herald:event:PostImageReady:1',
  title: 'PostImageReady',
  description:
    "The media worker checked a post's uploaded image and wrote its 600x600 JPEG. Event id: UUIDv5 of `<upload id>:ready`, so a redelivery sends the same event. `subject` is the post id.",
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostImageReady' },
    dataschema: { const: 'urn:herald:event:PostImageReady:1' },
    data: postImageReadyDataSchema,
  },
} as const;

export type PostImageReady = FromSchema<typeof postImageReadySchema>;
export type PostImageReadyData = FromSchema<typeof postImageReadyDataSchema>;
