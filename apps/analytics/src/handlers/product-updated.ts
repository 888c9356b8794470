import type { ProductUpdated } from '@herald/event-schemas';
import { writeProductDetails, writeStock, type Queryable } from '../repository.js';

/**
 * Applies the full snapshot rather than `changes`: a snapshot is correct on its own, whatever
 * was or was not applied before it. Its stock is the stock at its version; a newer StockAdjusted
 * already applied keeps precedence.
 */
export async function handleProductUpdated(event: ProductUpdated, db: Queryable): Promise<void> {
  const { product } = event.data;
  await writeProductDetails(db, product);
  await writeStock(db, { productId: product.id, stock: product.stock, version: product.version });
}
