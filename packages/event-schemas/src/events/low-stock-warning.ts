import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';

/** Payload (`data`) of the event. */
export const lowStockWarningDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['product_id', 'sku', 'name', 'stock', 'low_stock_threshold', 'cause', 'version'],
  properties: {
    product_id: { type: 'string', format: 'uuid' },
    sku: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    stock: { type: 'integer', minimum: 0 },
    low_stock_threshold: { type: 'integer', minimum: 0 },
    cause: { enum: ['created', 'updated', 'stock_adjusted'], description: 'The write that crossed into low stock.' },
    version: { type: 'integer', minimum: 1, description: 'Product version after that write.' },
  },
} as const;

export const lowStockWarningSchema = {
  $id: 'urn:herald:event:LowStockWarning:1',
  title: 'LowStockWarning',
  description: 'A write moved a product into the low-stock state (stock <= low_stock_threshold); not repeated while it stays low.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'LowStockWarning' },
    dataschema: { const: 'urn:herald:event:LowStockWarning:1' },
    data: lowStockWarningDataSchema,
  },
} as const;

export type LowStockWarning = FromSchema<typeof lowStockWarningSchema>;
export type LowStockWarningData = FromSchema<typeof lowStockWarningDataSchema>;
