import type { Inventory, MoneyTotal, Product } from '../api/types.js';

/** The figures the summary cards show. */
export interface InventorySummary {
  productCount: number;
  unitsInStock: number;
  stockValue: MoneyTotal[];
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
  // BigInt: a sum of price × stock can pass 2^53, where numbers stop being exact.
  const value = new Map<string, bigint>();
  let units = 0;
  let low = 0;
  for (const p of products) {
    units += p.stock;
    if (p.low_stock) low++;
    value.set(p.price.currency, (value.get(p.price.currency) ?? 0n) + BigInt(p.price.amount) * BigInt(p.stock));
  }
  const stockValue = [...value].map(([currency, amount]) => ({ amount: amount.toString(), currency })).sort((a, b) => a.currency.localeCompare(b.currency));
  return { productCount: products.length, unitsInStock: units, stockValue, lowStockCount: low };
}
