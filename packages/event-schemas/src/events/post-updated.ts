import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { postSnapshotSchema } from './post-snapshot.js';

/** Payload (`data`) of the event. */
export const postUpdatedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['post', 'changed'],
  properties: {
    post: postSnapshotSchema,
    changed: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['title', 'content'] } },
  },
} as const;

export const postUpdatedSchema = {
  $id: 'urn:herald:event:PostUpdated:1',
  title: 'PostUpdated',
  description: 'A post was edited. `subject` is the post id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostUpdated' },
    dataschema: { const: 'urn:herald:event:PostUpdated:1' },
    data: postUpdatedDataSchema,
  },
} as const;

export type PostUpdated = FromSchema<typeof postUpdatedSchema>;
export type PostUpdatedData = FromSchema<typeof postUpdatedDataSchema>;
