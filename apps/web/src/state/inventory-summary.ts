import type { Inventory, Money, Product } from '../api/types.js';

/** The figures the summary cards show. */
export interface InventorySummary {
  productCount: number;
  unitsInStock: number;
  stockValue: Money[];
  lowStockCount: number;
}

export function summaryFromInventory(inventory: Inventory): InventorySummary {
  return {
    productCount: inventory.product_count,
    unitsInStock: inventory.units_in_stock,
    stockValue: inventory.stock_value,
    lowStockCount: inventory.low_stock.length,
  };
}

/** The same figures computed from the product list, for when the analytics endpoint is unavailable. */
export function summaryFromProducts(products: readonly Product[]): InventorySummary {
  const value = new Map<string, number>();
  let units = 0;
  let low = 0;
  for (const p of products) {
    units += p.stock;
    if (p.low_stock) low++;
    value.set(p.price.currency, (value.get(p.price.currency) ?? 0) + p.price.amount * p.stock);
  }
  const stockValue = [...value].map(([currency, amount]) => ({ amount, currency })).sort((a, b) => a.currency.localeCompare(b.currency));
  return { productCount: products.length, unitsInStock: units, stockValue, lowStockCount: low };
}
