import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { imagePostIdSchema, uploadIdSchema } from './post-image.js';

/** Why a post's image went: its author removed it, or declared another in its place. */
export const imageRemovalReasons = ['removed', 'replaced'] as const;

/** Payload (`data`) of the event. */
export const postImageRemovedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['post_id', 'author_id', 'upload_id', 'reason'],
  properties: {
    post_id: imagePostIdSchema,
    author_id: { type: 'string', format: 'uuid' },
    upload_id: { ...uploadIdSchema, description: 'The upload that went: its objects are removed from storage.' },
    reason: { enum: imageRemovalReasons },
  },
} as const;

export const postImageRemovedSchema = {
  $id: 'urn:herald:event:PostImageRemoved:1',
  title: 'PostImageRemoved',
  description:
    "A post's image was removed by its author, or replaced by a new declaration (whose upload follows with PostImageUploaded). The post stays. `subject` is the post id.",
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'PostImageRemoved' },
    dataschema: { const: 'urn:herald:event:PostImageRemoved:1' },
    data: postImageRemovedDataSchema,
  },
} as const;

export type PostImageRemoved = FromSchema<typeof postImageRemovedSchema>;
export type PostImageRemovedData = FromSchema<typeof postImageRemovedDataSchema>;
