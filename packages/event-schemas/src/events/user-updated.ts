import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { userProfileSchema } from './user-profile.js';

/** Payload (`data`) of the event. */
export const userUpdatedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['user', 'changed'],
  properties: {
    user: userProfileSchema,
    changed: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['display_name', 'password', 'role'] },
      description: 'What changed. A new password is named, never carried.',
    },
  },
} as const;

export const userUpdatedSchema = {
  $id: 'urn:herald:event:UserUpdated:1',
  title: 'UserUpdated',
  description: 'A user account changed (profile, password or role). `subject` is the user id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'UserUpdated' },
    dataschema: { const: 'urn:herald:event:UserUpdated:1' },
    data: userUpdatedDataSchema,
  },
} as const;

export type UserUpdated = FromSchema<typeof userUpdatedSchema>;
export type UserUpdatedData = FromSchema<typeof userUpdatedDataSchema>;
