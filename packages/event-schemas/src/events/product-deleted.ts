import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const productDeletedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['product_id', 'sku', 'version', 'deleted_at'],
  properties: {
    product_id: { type: 'string', format: 'uuid' },
    sku: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    version: { type: 'integer', minimum: 1, description: 'Version of the product when it was deleted.' },
    deleted_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const productDeletedSchema = {
  $id: 'urn:herald:event:ProductDeleted:1',
  title: 'ProductDeleted',
  description: 'A product was deleted.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'ProductDeleted' },
    dataschema: { const: 'urn:herald:event:ProductDeleted:1' },
    data: productDeletedDataSchema,
  },
} as const;

export type ProductDeleted = FromSchema<typeof productDeletedSchema>;
export type ProductDeletedData = FromSchema<typeof productDeletedDataSchema>;
