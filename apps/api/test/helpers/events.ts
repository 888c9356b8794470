import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { uuidv7 } from '../../src/lib/uuid-v7.js';

/** A valid ProductDeleted event about `productId` (a new product by default): the smallest event there is. */
export function productDeletedEvent(productId: string = uuidv7()): HeraldEvent {
  return createEvent({
    type: 'ProductDeleted',
    subject: productId,
    source: '/test',
    id: uuidv7(),
    data: { product_id: productId, sku: 'S-1', version: 1, deleted_at: new Date().toISOString() },
  });
}
