import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { commentSnapshotSchema } from './post-snapshot.js';

/** Payload (`data`) of the event. */
export const commentAddedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['comment', 'post_author_id', 'comment_count'],
  properties: {
    comment: commentSnapshotSchema,
    post_author_id: { type: 'string', format: 'uuid', description: 'Who wrote the post (whom the comment concerns).' },
    comment_count: { type: 'integer', minimum: 1, description: 'Comments of the post after this one.' },
  },
} as const;

export const commentAddedSchema = {
  $id: 'urn:herald:event:CommentAdded:1',
  title: 'CommentAdded',
  description: 'A comment was added to a post. `subject` is the post id, so that the events of a post stay in order.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'CommentAdded' },
    dataschema: { const: 'urn:herald:event:CommentAdded:1' },
    data: commentAddedDataSchema,
  },
} as const;

export type CommentAdded = FromSchema<typeof commentAddedSchema>;
export type CommentAddedData = FromSchema<typeof commentAddedDataSchema>;
