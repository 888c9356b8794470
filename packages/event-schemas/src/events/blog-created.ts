import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { blogSnapshotSchema } from './post-snapshot.js';

/** Payload (`data`) of the event. */
export const blogCreatedDataSchema = { type: 'object', additionalProperties: false, required: ['blog'], properties: { blog: blogSnapshotSchema } } as const;

export const blogCreatedSchema = {
  $id: 'urn:herald:event:BlogCreated:1',
  title: 'BlogCreated',
  description: 'A blog was created. `subject` is the blog id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'BlogCreated' },
    dataschema: { const: 'urn:herald:event:BlogCreated:1' },
    data: blogCreatedDataSchema,
  },
} as const;

export type BlogCreated = FromSchema<typeof blogCreatedSchema>;
export type BlogCreatedData = FromSchema<typeof blogCreatedDataSchema>;
