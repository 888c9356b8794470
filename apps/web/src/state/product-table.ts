/**
 * The products table kept up to date from the event stream, without reloading the list.
 *
 * Every change is checked against the product's version, so an event or an answer older than
 * what the table holds never overwrites it: events and fetches may arrive in any order (a list
 * loaded while events flow, a replay after a reconnect, a fetch that overtakes an event).
 */
import type { HeraldEvent, Product } from '../api/types.js';

export interface ProductTable {
  /** Products by id, in the order the API lists them (oldest first), new ones at the end. */
  readonly products: ReadonlyMap<string, Product>;
  /** Ids of deleted products (a deleted id never comes back), so a late answer cannot revive one. */
  readonly deleted: ReadonlySet<string>;
}

export interface Applied {
  table: ProductTable;
  /** Products the events could not bring up to date by themselves: fetch them. */
  stale: string[];
}

/** How many deleted ids are remembered; the oldest are forgotten first. */
const DELETED_CAPACITY = 10_000;

export const emptyTable: ProductTable = { products: new Map(), deleted: new Set() };

/** The stock level at which a product counts as low (as the API computes `low_stock`). */
export function isLow(product: Pick<Product, 'stock' | 'low_stock_threshold'>): boolean {
  return product.stock <= product.low_stock_threshold;
}

/** The table of a freshly loaded list; ids deleted meanwhile stay deleted. */
export function tableFromList(list: readonly Product[], previous: ProductTable = emptyTable): ProductTable {
  const products = new Map<string, Product>();
  for (const product of list) if (!previous.deleted.has(product.id)) products.set(product.id, product);
  return { products, deleted: previous.deleted };
}

export function productsOf(table: ProductTable): Product[] {
  return [...table.products.values()];
}

/** Applies product events in the order received; events about other things are ignored. */
export function applyProductEvents(table: ProductTable, events: readonly HeraldEvent[]): Applied {
  let products: Map<string, Product> | undefined;
  let deleted: Set<string> | undefined;
  const stale = new Set<string>();
  const current = (id: string) => (products ?? table.products).get(id);
  const isDeleted = (id: string) => (deleted ?? table.deleted).has(id);
  const put = (product: Product) => {
    products ??= new Map(table.products);
    products.set(product.id, product);
    stale.delete(product.id);
  };

  for (const event of events) {
    switch (event.type) {
      case 'ProductCreated':
      case 'ProductUpdated': {
        // A complete snapshot of the product after the change.
        const snapshot = event.data.product;
        const known = current(snapshot.id);
        if (isDeleted(snapshot.id) || (known && known.version >= snapshot.version)) break;
        put({ ...snapshot, low_stock: isLow(snapshot) });
        break;
      }
      case 'StockAdjusted': {
        const { product_id: id, stock_after: stock, version } = event.data;
        if (isDeleted(id)) break;
        const known = current(id);
        if (!known) {
          stale.add(id); // only the stock is known: the rest must be read
          break;
        }
        if (known.version >= version) break;
        put({ ...known, stock, version, updated_at: event.time, low_stock: isLow({ stock, low_stock_threshold: known.low_stock_threshold }) });
        // A version skipped means a change this table never saw (its other fields may differ).
        if (version > known.version + 1) stale.add(id);
        break;
      }
      case 'ProductDeleted': {
        const id = event.data.product_id;
        if (current(id)) {
          products ??= new Map(table.products);
          products.delete(id);
        }
        deleted ??= new Set(table.deleted);
        deleted.add(id);
        stale.delete(id);
        break;
      }
      case 'LowStockWarning': {
        // Follows the event that changed the product; it only tells of a change this table missed.
        const { product_id: id, version } = event.data;
        const known = current(id);
        if (!isDeleted(id) && (!known || known.version < version)) stale.add(id);
        break;
      }
      default:
        break;
    }
  }
  if (deleted && deleted.size > DELETED_CAPACITY) {
    for (const id of [...deleted].slice(0, deleted.size - DELETED_CAPACITY)) deleted.delete(id);
  }
  if (!products && !deleted) return { table, stale: [...stale] };
  return { table: { products: products ?? table.products, deleted: deleted ?? table.deleted }, stale: [...stale] };
}

/**
 * Applies the answer to `GET /api/v1/products/{id}`: the product, or undefined when it no longer
 * exists (404). Kept only when not older than what the table holds.
 */
export function applyFetchedProduct(table: ProductTable, id: string, product: Product | undefined): ProductTable {
  if (product === undefined) {
    if (!table.products.has(id) && table.deleted.has(id)) return table;
    const products = new Map(table.products);
    products.delete(id);
    return { products, deleted: new Set(table.deleted).add(id) };
  }
  const known = table.products.get(id);
  if (table.deleted.has(id) || (known && known.version > product.version)) return table;
  const products = new Map(table.products);
  products.set(id, product);
  return { products, deleted: table.deleted };
}
