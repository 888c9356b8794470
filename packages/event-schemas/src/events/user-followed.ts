import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const userFollowedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['follower_id', 'followee_id', 'followed_at'],
  properties: {
    follower_id: { type: 'string', format: 'uuid', description: 'Who follows.' },
    followee_id: { type: 'string', format: 'uuid', description: 'Who is followed.' },
    followed_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const userFollowedSchema = {
  $id: 'urn:herald:event:UserFollowed:1',
  title: 'UserFollowed',
  description: 'A user started following another. `subject` (the record key) is the followed user id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'UserFollowed' },
    dataschema: { const: 'urn:herald:event:UserFollowed:1' },
    data: userFollowedDataSchema,
  },
} as const;

export type UserFollowed = FromSchema<typeof userFollowedSchema>;
export type UserFollowedData = FromSchema<typeof userFollowedDataSchema>;
