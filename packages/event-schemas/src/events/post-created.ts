import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { postSnapshotSchema } from './post-snapshot.js';

/** Payload (`data`) of the event. */
export const postCreatedDataSchema = { type: 'object', additionalProperties: false, required: ['post'], properties: { post: postSnapshotSchema } } as const;

export const postCreatedSchema = {
  $id: 'urn:herald:event:PostCreated:1',
  title: 'PostCreated',
  description: 'A post was created. `subject` is the post id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostCreated' },
    dataschema: { const: 'urn:herald:event:PostCreated:1' },
    data: postCreatedDataSchema,
  },
} as const;

export type PostCreated = FromSchema<typeof postCreatedSchema>;
export type PostCreatedData = FromSchema<typeof postCreatedDataSchema>;
