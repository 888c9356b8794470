import type { HeraldEvent } from '@herald/event-schemas';
import type { Pool, PoolClient } from '../db/pool.js';
import type { SingleStatementWrite } from '../outbox/unit-of-work.js';

/** A products row as stored. Only SQL lives in this file. */
export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_amount: number;
  price_currency: string;
  stock: number;
  low_stock_threshold: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface StockAdjustmentRow {
  id: string;
  product_id: string;
  delta: number;
  reason: string;
  stock_before: number;
  stock_after: number;
  created_at: Date;
}

export type ProductFields = Pick<
  ProductRow,
  'sku' | 'name' | 'description' | 'price_amount' | 'price_currency' | 'low_stock_threshold'
>;

type Queryable = Pool | PoolClient;

const COLUMNS = `id, sku, name, description, price_amount, price_currency, stock, low_stock_threshold,
  created_at, updated_at, version`;

/**
 * The insert of a new product, for the unit of work to send with its events in one round trip.
 * Every value, timestamps included, comes from the caller, which built the events from them.
 */
export function insertProduct(product: ProductRow, events: HeraldEvent[]): SingleStatementWrite {
  return {
    name: 'products-insert',
    sql: `INSERT INTO products (id, sku, name, description, price_amount, price_currency, stock, low_stock_threshold,
            created_at, updated_at, version)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)
          RETURNING id`,
    values: [
      product.id,
      product.sku,
      product.name,
      product.description,
      product.price_amount,
      product.price_currency,
      product.stock,
      product.low_stock_threshold,
      product.created_at,
    ],
    events,
  };
}

export async function findProduct(db: Queryable, id: string): Promise<ProductRow | undefined> {
  const { rows } = await db.query<ProductRow>({ name: 'products-find', text: `SELECT ${COLUMNS} FROM products WHERE id = $1`, values: [id] });
  return rows[0];
}

/** Reads the row and holds its lock until the transaction ends, serializing writers of one product. */
export async function lockProduct(client: PoolClient, id: string): Promise<ProductRow | undefined> {
  const { rows } = await client.query<ProductRow>({
    name: 'products-lock',
    text: `SELECT ${COLUMNS} FROM products WHERE id = $1 FOR UPDATE`,
    values: [id],
  });
  return rows[0];
}

export async function updateProductFields(
  client: PoolClient,
  id: string,
  /** Stock is set here only by an update that states a new level; adjustments use applyStockDelta. */
  fields: Partial<ProductFields> & { stock?: number },
): Promise<ProductRow> {
  const entries = Object.entries(fields);
  // Column names come from the ProductFields keys chosen by the service, never from input.
  const assignments = entries.map(([column], index) => `${column} = $${index + 2}`);
  const { rows } = await client.query<ProductRow>(
    `UPDATE products SET ${assignments.join(', ')}, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, ...entries.map(([, value]) => value)],
  );
  return rows[0]!;
}

export async function deleteProduct(client: PoolClient, id: string): Promise<void> {
  await client.query('DELETE FROM products WHERE id = $1', [id]);
}

/**
 * Applies `delta` in one statement, so concurrent adjustments never lose an update and stock never
 * goes below zero or above `maxStock`. Returns undefined when the row is missing or the bounds
 * would be broken; the caller looks at the row to tell which.
 */
export async function applyStockDelta(
  client: PoolClient,
  id: string,
  delta: number,
  maxStock: number,
): Promise<(ProductRow & { stock_before: number }) | undefined> {
  const { rows } = await client.query<ProductRow & { stock_before: number }>(
    `UPDATE products SET stock = stock + $2, version = version + 1, updated_at = now()
     WHERE id = $1 AND stock::bigint + $2 BETWEEN 0 AND $3
     RETURNING ${COLUMNS}, stock - $2 AS stock_before`,
    [id, delta, maxStock],
  );
  return rows[0];
}

/** Inserts the adjustment; false when its id is taken (a client-chosen id, see `adjustStock`). */
export async function insertStockAdjustment(client: PoolClient, adjustment: StockAdjustmentRow): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO stock_adjustments (id, product_id, delta, reason, stock_before, stock_after, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING`,
    [
      adjustment.id,
      adjustment.product_id,
      adjustment.delta,
      adjustment.reason,
      adjustment.stock_before,
      adjustment.stock_after,
      adjustment.created_at,
    ],
  );
  return rowCount === 1;
}

export async function findStockAdjustment(db: Queryable, id: string): Promise<StockAdjustmentRow | undefined> {
  const { rows } = await db.query<StockAdjustmentRow>(
    'SELECT id, product_id, delta, reason, stock_before, stock_after, created_at FROM stock_adjustments WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** Fixed SQL fragments for the low-stock filter; a literal predicate lets the partial index serve `true`. */
const LOW_STOCK_FILTER = {
  any: '',
  low: 'AND stock <= low_stock_threshold',
  healthy: 'AND stock > low_stock_threshold',
} as const;

export async function listProducts(
  db: Queryable,
  options: { limit: number; afterId?: string; lowStock?: boolean },
): Promise<ProductRow[]> {
  const filterName = options.lowStock === undefined ? 'any' : options.lowStock ? 'low' : 'healthy';
  // Prepared statements, one per shape: the first page and the following ones are separate
  // statements, so that a generic plan still starts its index scan at the cursor.
  const after = options.afterId !== undefined;
  const { rows } = await db.query<ProductRow>({
    name: `products-list-${filterName}-${after ? 'after' : 'first'}`,
    text: `SELECT ${COLUMNS} FROM products
     WHERE ${after ? 'id > $2' : 'true'} ${LOW_STOCK_FILTER[filterName]}
     ORDER BY id
     LIMIT $1`,
    values: after ? [options.limit, options.afterId] : [options.limit],
  });
  return rows;
}
