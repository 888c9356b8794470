import type { HeraldEvent } from '@herald/event-schemas';
import type { ProductDetails } from './repository.js';

/** What a batch of events does to the inventory, at most one row of each kind per product. */
export interface InventoryChanges {
  details: ProductDetails[];
  stocks: Array<{ productId: string; stock: number; version: number }>;
  deletions: Array<{ productId: string; version: number }>;
}

interface ProductChange {
  details?: ProductDetails;
  stock?: { productId: string; stock: number; version: number };
  deletedVersion?: number;
}

/**
 * Nets a product's events, taken in order, into at most one details write, one stock write and
 * one deletion, whose application (details, then stock, then deletion) leaves the row exactly as
 * the events' one-by-one application (handlers/*) would. That holds because of the rules every
 * write follows (repository.ts):
 *
 * - a details or stock write only replaces a lower version, so of several writes only the one
 *   with the highest version can matter (the first of equal versions, since the later ones would
 *   not replace it); a ProductCreated/ProductUpdated snapshot writes its details and its stock at
 *   its version, a StockAdjusted its stock;
 * - once a deletion is applied, no details or stock write changes the row any more, so only what
 *   comes before the product's first deletion in the batch is written, and the deletions keep
 *   the highest version (GREATEST).
 *
 * Products keep the order of their first event (the writes are sent in key order anyway).
 */
export function inventoryChanges(events: readonly HeraldEvent[]): InventoryChanges {
  const byProduct = new Map<string, ProductChange>();
  const changeOf = (productId: string): ProductChange => {
    let change = byProduct.get(productId);
    if (!change) {
      change = {};
      byProduct.set(productId, change);
    }
    return change;
  };
  const offerStock = (change: ProductChange, stock: { productId: string; stock: number; version: number }): void => {
    if (!change.stock || stock.version > change.stock.version) change.stock = stock;
  };

  for (const event of events) {
    switch (event.type) {
      case 'ProductCreated':
      case 'ProductUpdated': {
        const { product } = event.data;
        const change = changeOf(product.id);
        if (change.deletedVersion !== undefined) break;
        if (!change.details || product.version > change.details.version) change.details = product;
        offerStock(change, { productId: product.id, stock: product.stock, version: product.version });
        break;
      }
      case 'StockAdjusted': {
        const { product_id: productId, stock_after: stock, version } = event.data;
        const change = changeOf(productId);
        if (change.deletedVersion !== undefined) break;
        offerStock(change, { productId, stock, version });
        break;
      }
      case 'ProductDeleted': {
        const change = changeOf(event.data.product_id);
        change.deletedVersion = Math.max(change.deletedVersion ?? event.data.version, event.data.version);
        break;
      }
      case 'LowStockWarning':
        // Follows the event of the same version that carries the state: only counted.
        break;
      case 'UserRegistered':
      case 'UserUpdated':
      case 'UserFollowed':
      case 'UserUnfollowed':
      case 'BlogCreated':
      case 'BlogUpdated':
      case 'BlogDeleted':
      case 'PostCreated':
      case 'PostUpdated':
      case 'PostDeleted':
      case 'CommentAdded':
      case 'CommentDeleted':
      case 'PostImageUploaded':
      case 'PostImageReady':
      case 'PostImageRejected':
      case 'PostImageRemoved':
        // Not about the inventory.
        break;
      default: {
        // A new event type does not compile until it is given a case here.
        const unknown: never = event;
        throw new TypeError(`no inventory rule for event type ${(unknown as HeraldEvent).type}`);
      }
    }
  }

  const changes: InventoryChanges = { details: [], stocks: [], deletions: [] };
  for (const [productId, change] of byProduct) {
    if (change.details) changes.details.push(change.details);
    if (change.stock) changes.stocks.push(change.stock);
    if (change.deletedVersion !== undefined) changes.deletions.push({ productId, version: change.deletedVersion });
  }
  return changes;
}
