import type { HeraldEvent } from '@herald/event-schemas';

/**
 * The figures, computed the plainest way there is, independently of the code under test: walk
 * the events in commit order keeping each product's latest state in a Map, then add up in
 * BigInt. No versions, no SQL: if the read model and this disagree, the read model is wrong.
 */
interface Product {
  id: string;
  sku: string;
  name: string;
  stock: number;
  low_stock_threshold: number;
  price: { amount: number; currency: string };
}

export function foldInventory(events: readonly HeraldEvent[]) {
  const products = new Map<string, Product>();
  let newest: number | null = null;
  for (const event of events) {
    const time = Date.parse(event.time);
    newest = newest === null ? time : Math.max(newest, time);
    switch (event.type) {
      case 'ProductCreated':
      case 'ProductUpdated': {
        const { id, sku, name, stock, low_stock_threshold, price } = event.data.product;
        products.set(id, { id, sku, name, stock, low_stock_threshold, price: { ...price } });
        break;
      }
      case 'StockAdjusted': {
        const product = products.get(event.data.product_id)!;
        product.stock = event.data.stock_after;
        break;
      }
      case 'ProductDeleted':
        products.delete(event.data.product_id);
        break;
      case 'LowStockWarning':
        break;
    }
  }
  const all = [...products.values()];
  const values = new Map<string, bigint>();
  for (const product of all) {
    const value = BigInt(product.price.amount) * BigInt(product.stock);
    values.set(product.price.currency, (values.get(product.price.currency) ?? 0n) + value);
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    product_count: all.length,
    units_in_stock: all.reduce((sum, product) => sum + product.stock, 0),
    stock_value: [...values.entries()]
      .sort(([a], [b]) => byText(a, b))
      .map(([currency, amount]) => ({ amount: amount.toString(), currency })),
    low_stock: all
      .filter((product) => product.stock <= product.low_stock_threshold)
      .sort((a, b) => byText(a.sku, b.sku) || byText(a.id, b.id))
      .map(({ id, sku, name, stock, low_stock_threshold }) => ({ id, sku, name, stock, low_stock_threshold })),
    updated_at: newest === null ? null : new Date(newest).toISOString(),
  };
}

/** Events per `${minuteIso}|${type}`, minute = the UTC minute of the event's time. */
export function foldEventCounts(events: readonly HeraldEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const minute = new Date(Math.floor(Date.parse(event.time) / 60_000) * 60_000).toISOString();
    const key = `${minute}|${event.type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
