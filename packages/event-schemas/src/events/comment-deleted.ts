import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const commentDeletedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['comment_id', 'post_id', 'author_id', 'post_author_id', 'deleted_by', 'comment_count', 'deleted_at'],
  properties: {
    comment_id: { type: 'string', format: 'uuid' },
    post_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    author_id: { type: 'string', format: 'uuid', description: 'Who wrote the comment.' },
    post_author_id: { type: 'string', format: 'uuid', description: 'Who wrote the post.' },
    deleted_by: { type: 'string', format: 'uuid' },
    comment_count: { type: 'integer', minimum: 0, description: 'Comments of the post after the deletion.' },
    deleted_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const commentDeletedSchema = {
  $id: 'urn:herald:event:CommentDeleted:1',
  title: 'CommentDeleted',
  description: 'A comment was deleted. `subject` is the post id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'CommentDeleted' },
    dataschema: { const: 'urn:herald:event:CommentDeleted:1' },
    data: commentDeletedDataSchema,
  },
} as const;

export type CommentDeleted = FromSchema<typeof commentDeletedSchema>;
export type CommentDeletedData = FromSchema<typeof commentDeletedDataSchema>;
