import type { EventOfType, EventType, HeraldEvent } from '@herald/event-schemas';
import type { Queryable } from '../repository.js';
import { handleProductCreated } from './product-created.js';
import { handleProductDeleted } from './product-deleted.js';
import { handleProductUpdated } from './product-updated.js';
import { handleStockAdjusted } from './stock-adjusted.js';

type InventoryHandlers = { [T in EventType]: (event: EventOfType<T>, db: Queryable) => Promise<void> };

/**
 * What each event type does to the inventory read model. Typed over the whole catalog, so a new
 * event type does not compile until it is given an entry here.
 */
const inventoryHandlers: InventoryHandlers = {
  ProductCreated: handleProductCreated,
  ProductUpdated: handleProductUpdated,
  ProductDeleted: handleProductDeleted,
  StockAdjusted: handleStockAdjusted,
  // Follows a ProductCreated/ProductUpdated/StockAdjusted of the same version, which carries the
  // state already: only counted.
  LowStockWarning: async () => {},
  // Events of other aggregates are not about the inventory.
  UserRegistered: async () => {},
  UserUpdated: async () => {},
  UserFollowed: async () => {},
  UserUnfollowed: async () => {},
  BlogCreated: async () => {},
  BlogUpdated: async () => {},
  BlogDeleted: async () => {},
  PostCreated: async () => {},
  PostUpdated: async () => {},
  PostDeleted: async () => {},
  CommentAdded: async () => {},
  CommentDeleted: async () => {},
  PostImageUploaded: async () => {},
  PostImageReady: async () => {},
  PostImageRejected: async () => {},
  PostImageRemoved: async () => {},
};

export async function applyToInventory(event: HeraldEvent, db: Queryable): Promise<void> {
  const handler = inventoryHandlers[event.type] as (event: HeraldEvent, db: Queryable) => Promise<void>;
  await handler(event, db);
}
