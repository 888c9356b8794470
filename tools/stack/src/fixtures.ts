import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { v7 } from 'uuid';

/** A time-ordered event id for `time`, like the ids the API gives events (UUIDv7). */
export function eventIdAt(time: Date): string {
  return v7({ msecs: time.getTime() });
}

/** A valid ProductCreated for a new product, stamped `time`, for tests of what consumes events. */
export function productCreatedAt(time = new Date(), id = eventIdAt(time)): HeraldEvent {
  const productId = randomUUID();
  const at = time.toISOString();
  return createEvent({
    type: 'ProductCreated',
    id,
    time,
    subject: productId,
    source: '/herald/test',
    data: {
      product: {
        id: productId,
        sku: `S-${productId.slice(0, 8)}`,
        name: 'Lamp',
        description: '',
        price: { amount: 1999, currency: 'EUR' },
        stock: 5,
        low_stock_threshold: 1,
        created_at: at,
        updated_at: at,
        version: 1,
      },
    },
  });
}

/** A valid ProductDeleted for a product that never existed elsewhere, stamped `time`. */
export function productDeletedAt(time = new Date(), id = eventIdAt(time)): HeraldEvent {
  const productId = randomUUID();
  return createEvent({
    type: 'ProductDeleted',
    id,
    time,
    subject: productId,
    source: '/herald/test',
    data: { product_id: productId, sku: `S-${productId.slice(0, 8)}`, version: 2, deleted_at: time.toISOString() },
  });
}
