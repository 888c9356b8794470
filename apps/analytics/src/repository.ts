import type pg from 'pg';

/**
 * Every statement analytics writes, and nothing else. Each one is a single conditional upsert, so
 * a statement is safe to run against any earlier state of the row: the WHERE clauses carry the
 * version rules, not the callers.
 */

/** A connection or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Records the event in the inbox. False when its id was already there: the event was applied
 * before (or is being applied by a concurrent transaction, which this one then waits for: a
 * uniqueness conflict is only decided once the other transaction commits or rolls back).
 */
export async function recordProcessedEvent(
  db: Queryable,
  event: { id: string; type: string; time: string },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO analytics.processed_events (event_id, event_type, event_time)
     VALUES ($1, $2, $3)
     ON CONFLICT (event_id) DO NOTHING`,
    [event.id, event.type, event.time],
  );
  return result.rowCount === 1;
}

/** Adds one to the count of `type` in the UTC minute of `time`. */
export async function countEvent(db: Queryable, event: { type: string; time: string }): Promise<void> {
  await db.query(
    `INSERT INTO analytics.event_counts (minute, event_type, count)
     VALUES (date_trunc('minute', $1::timestamptz, 'UTC'), $2, 1)
     ON CONFLICT (minute, event_type) DO UPDATE SET count = event_counts.count + 1`,
    [event.time, event.type],
  );
}

export interface ProductDetails {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  low_stock_threshold: number;
  stock: number;
  version: number;
}

/**
 * Writes a product's details as of `version` (and, on first sight of the product, its stock),
 * unless details of the same or a newer version are already there or the product was deleted.
 */
export async function writeProductDetails(db: Queryable, product: ProductDetails): Promise<void> {
  await db.query(
    `INSERT INTO analytics.inventory AS current
       (product_id, sku, name, price_amount, price_currency, low_stock_threshold, details_version, stock, stock_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)
     ON CONFLICT (product_id) DO UPDATE SET
       sku = EXCLUDED.sku,
       name = EXCLUDED.name,
       price_amount = EXCLUDED.price_amount,
       price_currency = EXCLUDED.price_currency,
       low_stock_threshold = EXCLUDED.low_stock_threshold,
       details_version = EXCLUDED.details_version
     WHERE current.details_version < EXCLUDED.details_version AND current.deleted_version IS NULL`,
    [
      product.id,
      product.sku,
      product.name,
      product.price.amount,
      product.price.currency,
      product.low_stock_threshold,
      product.version,
      product.stock,
    ],
  );
}

/**
 * Writes a product's stock as of `version`, unless a stock of the same or a newer version is
 * already there or the product was deleted. Creates the row (details unknown yet) when the
 * product has not been seen.
 */
export async function writeStock(
  db: Queryable,
  stock: { productId: string; stock: number; version: number },
): Promise<void> {
  await db.query(
    `INSERT INTO analytics.inventory AS current (product_id, stock, stock_version)
     VALUES ($1, $2, $3)
     ON CONFLICT (product_id) DO UPDATE SET stock = EXCLUDED.stock, stock_version = EXCLUDED.stock_version
     WHERE current.stock_version < EXCLUDED.stock_version AND current.deleted_version IS NULL`,
    [stock.productId, stock.stock, stock.version],
  );
}

/** Leaves a tombstone: the product no longer counts, and no later write about it applies. */
export async function writeDeletion(db: Queryable, deletion: { productId: string; version: number }): Promise<void> {
  await db.query(
    `INSERT INTO analytics.inventory AS current (product_id, deleted_version)
     VALUES ($1, $2)
     ON CONFLICT (product_id) DO UPDATE
       SET deleted_version = GREATEST(current.deleted_version, EXCLUDED.deleted_version)`,
    [deletion.productId, deletion.version],
  );
}
