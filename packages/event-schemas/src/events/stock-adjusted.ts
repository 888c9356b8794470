import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const stockAdjustedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['product_id', 'adjustment_id', 'delta', 'reason', 'stock_before', 'stock_after', 'version'],
  properties: {
    product_id: { type: 'string', format: 'uuid' },
    adjustment_id: { type: 'string', format: 'uuid' },
    delta: { type: 'integer', not: { const: 0 } },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
    stock_before: { type: 'integer', minimum: 0 },
    stock_after: { type: 'integer', minimum: 0 },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

export const stockAdjustedSchema = {
  $id: 'urn:herald:event:StockAdjusted:1',
  title: 'StockAdjusted',
  description: 'The stock of a product changed by a delta, for a reason.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'StockAdjusted' },
    dataschema: { const: 'urn:herald:event:StockAdjusted:1' },
    data: stockAdjustedDataSchema,
  },
} as const;

export type StockAdjusted = FromSchema<typeof stockAdjustedSchema>;
export type StockAdjustedData = FromSchema<typeof stockAdjustedDataSchema>;
