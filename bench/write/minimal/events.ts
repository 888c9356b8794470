import { v7 as uuidv7 } from 'uuid';

/**
 * The events the minimal server appends to the outbox: the same CloudEvents envelope, fields and
 * ids (UUIDv7) as Herald's, built by hand and not validated, so the outbox rows weigh the same
 * while none of Herald's event machinery runs.
 */

export interface ProductRecord {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_amount: number;
  price_currency: string;
  stock: number;
  low_stock_threshold: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface OutboxEvent {
  id: string;
  type: 'ProductCreated' | 'LowStockWarning';
  payload: string;
}

export const PRODUCTS_TOPIC = 'herald.products';
const SOURCE = '/herald/api';

export function snapshot(row: ProductRecord) {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amount: row.price_amount, currency: row.price_currency },
    stock: row.stock,
    low_stock_threshold: row.low_stock_threshold,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}

function envelope(type: OutboxEvent['type'], row: ProductRecord, data: object): OutboxEvent {
  const id = uuidv7();
  const event = {
    specversion: '1.0',
    id,
    source: SOURCE,
    type,
    time: row.updated_at.toISOString(),
    subject: row.id,
    datacontenttype: 'application/json',
    dataschema: `urn:herald:event:${type}:1`,
    data,
  };
  return { id, type, payload: JSON.stringify(event) };
}

/** ProductCreated, plus LowStockWarning when the product is created at or below its threshold. */
export function creationEvents(row: ProductRecord): OutboxEvent[] {
  const events = [envelope('ProductCreated', row, { product: snapshot(row) })];
  if (row.stock <= row.low_stock_threshold) {
    events.push(
      envelope('LowStockWarning', row, {
        product_id: row.id,
        sku: row.sku,
        name: row.name,
        stock: row.stock,
        low_stock_threshold: row.low_stock_threshold,
        cause: 'created',
        version: row.version,
      }),
    );
  }
  return events;
}
