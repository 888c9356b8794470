import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const postDeletedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['post_id', 'author_id', 'blog_id', 'version', 'deleted_at'],
  properties: {
    post_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    author_id: { type: 'string', format: 'uuid' },
    blog_id: { type: ['string', 'null'], format: 'uuid' },
    version: { type: 'integer', minimum: 1, description: 'Version of the post when it was deleted.' },
    deleted_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const postDeletedSchema = {
  $id: 'urn:herald:event:PostDeleted:1',
  title: 'PostDeleted',
  description: 'A post was deleted (by its author, an admin, or with its blog). `subject` is the post id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostDeleted' },
    dataschema: { const: 'urn:herald:event:PostDeleted:1' },
    data: postDeletedDataSchema,
  },
} as const;

export type PostDeleted = FromSchema<typeof postDeletedSchema>;
export type PostDeletedData = FromSchema<typeof postDeletedDataSchema>;
