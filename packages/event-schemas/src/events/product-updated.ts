import type { FromSchema } from 'json-schema-to-ts';
import { envelopeProperties, envelopeRequired } from '../envelope.js';
import { productChangesSchema, productSnapshotSchema } from './product-snapshot.js';

/** Payload (`data`) of the event. */
export const productUpdatedDataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['product_id', 'version', 'changes', 'previous', 'product'],
  properties: {
    product_id: { type: 'string', format: 'uuid' },
    version: { type: 'integer', minimum: 1 },
    changes: productChangesSchema,
    previous: { ...productChangesSchema, description: 'Values of the changed fields before the update.' },
    product: productSnapshotSchema,
  },
} as const;

export const productUpdatedSchema = {
  $id: 'urn:herald:event:ProductUpdated:1',
  title: 'ProductUpdated',
  description: 'Product fields were changed through PATCH; stock changes arrive as StockAdjusted.',
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { const: 'ProductUpdated' },
    dataschema: { const: 'urn:herald:event:ProductUpdated:1' },
    data: productUpdatedDataSchema,
  },
} as const;

export type ProductUpdated = FromSchema<typeof productUpdatedSchema>;
export type ProductUpdatedData = FromSchema<typeof productUpdatedDataSchema>;
