import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import type { Product } from '../../src/api/types.js';

const source = '/herald/api';

/** A product as the API returns it. */
export function product(overrides: Partial<Product> = {}): Product {
  const at = '2026-01-01T10:00:00.000Z';
  const p = {
    id: randomUUID(),
    sku: `SKU-${randomUUID().slice(0, 6)}`,
    name: 'Green tea',
    description: '',
    price: { amount: 450, currency: 'EUR' },
    stock: 50,
    low_stock_threshold: 10,
    created_at: at,
    updated_at: at,
    version: 1,
    ...overrides,
  };
  return { ...p, low_stock: p.stock <= p.low_stock_threshold };
}

const snapshot = ({ low_stock: _low, ...rest }: Product) => rest;

export function productCreated(p: Product): HeraldEvent {
  return createEvent({ type: 'ProductCreated', subject: p.id, source, data: { product: snapshot(p) } });
}

/** `after` is the product after the update (its version included). */
export function productUpdated(before: Product, after: Product): HeraldEvent {
  return createEvent({
    type: 'ProductUpdated',
    subject: after.id,
    source,
    data: { product_id: after.id, version: after.version, changes: { name: after.name }, previous: { name: before.name }, product: snapshot(after) },
  });
}

export function stockAdjusted(p: Pick<Product, 'id'>, stockBefore: number, stockAfter: number, version: number, time = new Date()): HeraldEvent {
  return createEvent({
    type: 'StockAdjusted',
    subject: p.id,
    source,
    time,
    data: { product_id: p.id, adjustment_id: randomUUID(), delta: stockAfter - stockBefore, reason: 'order', stock_before: stockBefore, stock_after: stockAfter, version },
  });
}

export function productDeleted(p: Product, version = p.version): HeraldEvent {
  return createEvent({
    type: 'ProductDeleted',
    subject: p.id,
    source,
    data: { product_id: p.id, sku: p.sku, version, deleted_at: new Date().toISOString() },
  });
}

export function lowStockWarning(p: Product, version = p.version): HeraldEvent {
  return createEvent({
    type: 'LowStockWarning',
    subject: p.id,
    source,
    data: { product_id: p.id, sku: p.sku, name: p.name, stock: p.stock, low_stock_threshold: p.low_stock_threshold, cause: 'stock_adjusted', version },
  });
}
