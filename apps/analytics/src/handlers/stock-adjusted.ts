import type { StockAdjusted } from '@herald/event-schemas';
import { writeStock, type Queryable } from '../repository.js';

/** The stock after the adjustment, as of its version (not `delta`: absolute values replay safely). */
export async function handleStockAdjusted(event: StockAdjusted, db: Queryable): Promise<void> {
  const { product_id: productId, stock_after: stock, version } = event.data;
  await writeStock(db, { productId, stock, version });
}
