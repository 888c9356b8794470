import type { ProductCreatedData } from '@herald/event-schemas';
import type { components } from '../openapi/contract.generated.js';
import { isLowStock } from './low-stock.js';
import type { ProductRow, StockAdjustmentRow } from './repository.js';

export type Product = components['schemas']['Product'];
export type ProductSnapshot = ProductCreatedData['product'];
export type StockAdjustment = components['schemas']['StockAdjustment'];
type Currency = components['schemas']['Currency'];

/** The product as the API returns it. */
export function toProduct(row: ProductRow): Product {
  // Only codes of the contract's Currency list get into the column (requests are validated).
  const price = { amount: row.price_amount, currency: row.price_currency as Currency };
  return { ...toSnapshot(row), price, low_stock: isLowStock(row) };
}

/** The product as events carry it (the event contract has no derived fields). */
export function toSnapshot(row: ProductRow): ProductSnapshot {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amount: row.price_amount, currency: row.price_currency },
    stock: row.stock,
    low_stock_threshold: row.low_stock_threshold,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}

export function toStockAdjustment(adjustment: StockAdjustmentRow, product: ProductRow): StockAdjustment {
  return {
    id: adjustment.id,
    product_id: adjustment.product_id,
    delta: adjustment.delta,
    reason: adjustment.reason,
    stock_before: adjustment.stock_before,
    stock_after: adjustment.stock_after,
    created_at: adjustment.created_at.toISOString(),
    product: toProduct(product),
  };
}
