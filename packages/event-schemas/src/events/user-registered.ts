import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { userProfileSchema } from './user-profile.js';

/** Payload (`data`) of the event. */
export const userRegisteredDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['user'],
  properties: { user: userProfileSchema },
} as const;

export const userRegisteredSchema = {
  $id: 'urn:herald:event:UserRegistered:1',
  title: 'UserRegistered',
  description: 'A user account was created. `subject` is the user id.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'UserRegistered' },
    dataschema: { const: 'urn:herald:event:UserRegistered:1' },
    data: userRegisteredDataSchema,
  },
} as const;

export type UserRegistered = FromSchema<typeof userRegisteredSchema>;
export type UserRegisteredData = FromSchema<typeof userRegisteredDataSchema>;
