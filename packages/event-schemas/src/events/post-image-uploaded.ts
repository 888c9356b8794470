import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { imagePostIdSchema, uploadIdSchema } from './post-image.js';

/** Payload (`data`) of the event. */
export const postImageUploadedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['post_id', 'author_id', 'upload_id', 'object_key'],
  properties: {
    post_id: imagePostIdSchema,
    author_id: { type: 'string', format: 'uuid' },
    upload_id: uploadIdSchema,
    object_key: {
      type: 'string',
      pattern: '^uploads/[A-Za-z0-9_-]{1,64}/[0-9a-f-]{36}$',
      description: 'Key of the uploaded original in the media bucket: `uploads/<post id>/<upload id>`.',
    },
  },
} as const;

export const postImageUploadedSchema = {
  $id: 'urn:herald:event:PostImageUploaded:1',
  title: 'PostImageUploaded',
  description:
    "The original of a post's image is in storage and waits for the media worker (written when the author completes the upload, and by the API's safety-net scan). `subject` is the post id.",
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostImageUploaded' },
    dataschema: { const: 'urn:herald:event:PostImageUploaded:1' },
    data: postImageUploadedDataSchema,
  },
} as const;

export type PostImageUploaded = FromSchema<typeof postImageUploadedSchema>;
export type PostImageUploadedData = FromSchema<typeof postImageUploadedDataSchema>;
