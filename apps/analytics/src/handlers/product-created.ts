import type { ProductCreated } from '@herald/event-schemas';
import { writeProductDetails, writeStock, type Queryable } from '../repository.js';

/** A new product: its details and its stock, both as of the snapshot's version. */
export async function handleProductCreated(event: ProductCreated, db: Queryable): Promise<void> {
  const { product } = event.data;
  await writeProductDetails(db, product);
  await writeStock(db, { productId: product.id, stock: product.stock, version: product.version });
}
