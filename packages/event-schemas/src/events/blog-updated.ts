import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { blogSnapshotSchema } from './post-snapshot.js';

/** Payload (`data`) of the event. */
export const blogUpdatedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['blog', 'changed'],
  properties: {
    blog: blogSnapshotSchema,
    changed: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['name', 'slug', 'description'] } },
  },
} as const;

export const blogUpdatedSchema = {
  $id: 'urn:herald:event:BlogUpdated:1',
  title: 'BlogUpdated',
  description: 'A blog changed. `subject` is the blog id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'BlogUpdated' },
    dataschema: { const: 'urn:herald:event:BlogUpdated:1' },
    data: blogUpdatedDataSchema,
  },
} as const;

export type BlogUpdated = FromSchema<typeof blogUpdatedSchema>;
export type BlogUpdatedData = FromSchema<typeof blogUpdatedDataSchema>;
