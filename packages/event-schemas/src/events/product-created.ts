import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { productSnapshotSchema } from './product-snapshot.js';

/** Payload (`data`) of the event. */
export const productCreatedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['product'],
  properties: { product: productSnapshotSchema },
} as const;

export const productCreatedSchema = {
  $id: 'urn:herald:event:ProductCreated:1',
  title: 'ProductCreated',
  description: 'A product was created.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'ProductCreated' },
    dataschema: { const: 'urn:herald:event:ProductCreated:1' },
    data: productCreatedDataSchema,
  },
} as const;

export type ProductCreated = FromSchema<typeof productCreatedSchema>;
export type ProductCreatedData = FromSchema<typeof productCreatedDataSchema>;
