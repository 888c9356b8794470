import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const blogDeletedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['blog_id', 'owner_id', 'version', 'deleted_at'],
  properties: {
    blog_id: { type: 'string', format: 'uuid' },
    owner_id: { type: 'string', format: 'uuid' },
    version: { type: 'integer', minimum: 1, description: 'Version of the blog when it was deleted.' },
    deleted_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const blogDeletedSchema = {
  $id: 'urn:herald:event:BlogDeleted:1',
  title: 'BlogDeleted',
  description: 'A blog was deleted, with its posts (each has its PostDeleted). `subject` is the blog id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'BlogDeleted' },
    dataschema: { const: 'urn:herald:event:BlogDeleted:1' },
    data: blogDeletedDataSchema,
  },
} as const;

export type BlogDeleted = FromSchema<typeof blogDeletedSchema>;
export type BlogDeletedData = FromSchema<typeof blogDeletedDataSchema>;
