import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';

const source = '/herald/api';

/** A valid StockAdjusted event (made by the contract's createEvent) at `time`. */
export function stockAdjusted(time = new Date(), delta = -1): HeraldEvent {
  const product_id = randomUUID();
  return createEvent({
    type: 'StockAdjusted',
    subject: product_id,
    source,
    time,
    data: { product_id, adjustment_id: randomUUID(), delta, reason: 'order', stock_before: 10, stock_after: 10 + delta, version: 2 },
  });
}

/** A valid LowStockWarning event for a product named after its sku. */
export function lowStockWarning(sku: string, stock = 2, time = new Date()): HeraldEvent {
  const product_id = randomUUID();
  return createEvent({
    type: 'LowStockWarning',
    subject: product_id,
    source,
    time,
    data: { product_id, sku, name: `Product ${sku}`, stock, low_stock_threshold: 10, cause: 'stock_adjusted', version: 3 },
  });
}

export function productCreated(sku: string, time = new Date()): HeraldEvent {
  const id = randomUUID();
  const at = time.toISOString();
  return createEvent({
    type: 'ProductCreated',
    subject: id,
    source,
    time,
    data: {
      product: {
        id,
        sku,
        name: `Product ${sku}`,
        description: '',
        price: { amount: 1250, currency: 'EUR' },
        stock: 40,
        low_stock_threshold: 10,
        created_at: at,
        updated_at: at,
        version: 1,
      },
    },
  });
}
