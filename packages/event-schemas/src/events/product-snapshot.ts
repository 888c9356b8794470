/** The full state of a product as carried in product events. */
export const moneySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: { type: 'integer', minimum: 0, description: 'Amount in minor units (e.g. cents).' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code.' },
  },
} as const;

export const productSnapshotSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'sku',
    'name',
    'description',
    'price',
    'stock',
    'low_stock_threshold',
    'created_at',
    'updated_at',
    'version',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    sku: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    price: moneySchema,
    stock: { type: 'integer', minimum: 0 },
    low_stock_threshold: { type: 'integer', minimum: 0 },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** The product fields a ProductUpdated event reports as changed (all optional, at least one). */
export const productChangesSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    sku: productSnapshotSchema.properties.sku,
    name: productSnapshotSchema.properties.name,
    description: productSnapshotSchema.properties.description,
    price: moneySchema,
    low_stock_threshold: productSnapshotSchema.properties.low_stock_threshold,
  },
} as const;
