import type { ProductDeleted } from '@herald/event-schemas';
import { writeDeletion, type Queryable } from '../repository.js';

export async function handleProductDeleted(event: ProductDeleted, db: Queryable): Promise<void> {
  await writeDeletion(db, { productId: event.data.product_id, version: event.data.version });
}
