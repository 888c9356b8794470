import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const userUnfollowedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['follower_id', 'followee_id', 'unfollowed_at'],
  properties: {
    follower_id: { type: 'string', format: 'uuid', description: 'Who follows.' },
    followee_id: { type: 'string', format: 'uuid', description: 'Who is followed.' },
    unfollowed_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const userUnfollowedSchema = {
  $id: 'urn:herald:event:UserUnfollowed:1',
  title: 'UserUnfollowed',
  description: 'A user stopped following another. `subject` (the record key) is the followed user id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'UserUnfollowed' },
    dataschema: { const: 'urn:herald:event:UserUnfollowed:1' },
    data: userUnfollowedDataSchema,
  },
} as const;

export type UserUnfollowed = FromSchema<typeof userUnfollowedSchema>;
export type UserUnfollowedData = FromSchema<typeof userUnfollowedDataSchema>;
