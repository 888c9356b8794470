import type pg from 'pg';
import type { TextStatistics } from './text-statistics.js';

/**
 * Every statement analytics writes, and nothing else. Each one is a single conditional upsert, so
 * a statement is safe to run against any earlier state of the row: the WHERE clauses carry the
 * version rules, not the callers. Each statement is written once, in its bulk form; the
 * one-event forms pass a single row.
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
  return (await recordProcessedEvents(db, [event])).size === 1;
}

/** Adds one to the count of `type` in the UTC minute of `time`. */
export async function countEvent(db: Queryable, event: { type: string; time: string }): Promise<void> {
  await countEvents(db, [event]);
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
  await writeProductDetailsInBulk(db, [product]);
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
  await writeStockInBulk(db, [stock]);
}

/** Leaves a tombstone: the product no longer counts, and no later write about it applies. */
export async function writeDeletion(db: Queryable, deletion: { productId: string; version: number }): Promise<void> {
  await writeDeletionsInBulk(db, [deletion]);
}

/*
 * The statements themselves, in bulk form, for a batch of events applied in one transaction. Each
 * takes its rows as parallel arrays (one unnest, one round trip) and writes them in key order, so
 * two transactions touching the same rows always lock them in the same order. A row may appear only
 * once per statement (PostgreSQL refuses to update a row twice in one INSERT ... ON CONFLICT), so
 * callers net a batch's changes per product first (see inventory-changes.ts).
 */

/**
 * Records the events in the inbox in one statement and returns the ids that were not there yet
 * (lower case, as PostgreSQL prints uuids). An id already there (or twice in `events`) is left
 * out: its event was applied before, or is being applied by a concurrent transaction, which this
 * one then waits for.
 */
export async function recordProcessedEvents(
  db: Queryable,
  events: ReadonlyArray<{ id: string; type: string; time: string }>,
): Promise<Set<string>> {
  const result = await db.query<{ event_id: string }>(
    `INSERT INTO analytics.processed_events (event_id, event_type, event_time)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS e(id, type, time)
     ORDER BY e.id
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [events.map((event) => event.id), events.map((event) => event.type), events.map((event) => event.time)],
  );
  return new Set(result.rows.map((row) => row.event_id));
}

/** Adds each event to the count of its type in the UTC minute of its time: one upsert per (minute, type). */
export async function countEvents(db: Queryable, events: ReadonlyArray<{ type: string; time: string }>): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO analytics.event_counts (minute, event_type, count)
     SELECT date_trunc('minute', e.time, 'UTC'), e.type, count(*)
     FROM unnest($1::timestamptz[], $2::text[]) AS e(time, type)
     GROUP BY 1, 2
     ORDER BY 1, 2
     ON CONFLICT (minute, event_type) DO UPDATE SET count = event_counts.count + EXCLUDED.count`,
    [events.map((event) => event.time), events.map((event) => event.type)],
  );
}

/** writeProductDetails for many products (each at most once), with the same version rules. */
export async function writeProductDetailsInBulk(db: Queryable, products: readonly ProductDetails[]): Promise<void> {
  if (products.length === 0) return;
  await db.query(
    `INSERT INTO analytics.inventory AS current
       (product_id, sku, name, price_amount, price_currency, low_stock_threshold, details_version, stock, stock_version)
     SELECT d.id, d.sku, d.name, d.amount, d.currency, d.threshold, d.version, d.stock, d.version
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::integer[], $7::integer[], $8::integer[])
       AS d(id, sku, name, amount, currency, threshold, version, stock)
     ORDER BY d.id
     ON CONFLICT (product_id) DO UPDATE SET
       sku = EXCLUDED.sku,
       name = EXCLUDED.name,
       price_amount = EXCLUDED.price_amount,
       price_currency = EXCLUDED.price_currency,
       low_stock_threshold = EXCLUDED.low_stock_threshold,
       details_version = EXCLUDED.details_version
     WHERE current.details_version < EXCLUDED.details_version AND current.deleted_version IS NULL`,
    [
      products.map((product) => product.id),
      products.map((product) => product.sku),
      products.map((product) => product.name),
      products.map((product) => String(product.price.amount)),
      products.map((product) => product.price.currency),
      products.map((product) => product.low_stock_threshold),
      products.map((product) => product.version),
      products.map((product) => product.stock),
    ],
  );
}

/** writeStock for many products (each at most once), with the same version rules. */
export async function writeStockInBulk(
  db: Queryable,
  stocks: ReadonlyArray<{ productId: string; stock: number; version: number }>,
): Promise<void> {
  if (stocks.length === 0) return;
  await db.query(
    `INSERT INTO analytics.inventory AS current (product_id, stock, stock_version)
     SELECT * FROM unnest($1::uuid[], $2::integer[], $3::integer[]) AS s(id, stock, version)
     ORDER BY s.id
     ON CONFLICT (product_id) DO UPDATE SET stock = EXCLUDED.stock, stock_version = EXCLUDED.stock_version
     WHERE current.stock_version < EXCLUDED.stock_version AND current.deleted_version IS NULL`,
    [stocks.map((stock) => stock.productId), stocks.map((stock) => stock.stock), stocks.map((stock) => stock.version)],
  );
}

/** writeDeletion for many products (each at most once). */
export async function writeDeletionsInBulk(
  db: Queryable,
  deletions: ReadonlyArray<{ productId: string; version: number }>,
): Promise<void> {
  if (deletions.length === 0) return;
  await db.query(
    `INSERT INTO analytics.inventory AS current (product_id, deleted_version)
     SELECT * FROM unnest($1::uuid[], $2::integer[]) AS d(id, version)
     ORDER BY d.id
     ON CONFLICT (product_id) DO UPDATE
       SET deleted_version = GREATEST(current.deleted_version, EXCLUDED.deleted_version)`,
    [deletions.map((deletion) => deletion.productId), deletions.map((deletion) => deletion.version)],
  );
}

/*
 * Post statistics (see post-stats-changes.ts for why these rules make any delivery order end in
 * the figures of each post's newest version).
 */

/** Key space of the per-post advisory locks (two-int form: never meets the migrations' bigint locks). */
const POST_STATS_LOCK_CLASS = 0x504f_5354; // 'POST'

/**
 * Locks the posts' statistics for the rest of the transaction, in one order (the lock keys'), so
 * that two transactions writing about the same post (a deletion and a snapshot, say) run one after
 * the other: the tombstone check of a snapshot must see a deletion committed in the meantime.
 */
export async function lockPostStats(db: Queryable, postIds: readonly string[]): Promise<void> {
  if (postIds.length === 0) return;
  await db.query(
    `SELECT pg_advisory_xact_lock($1, key)
       FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest($2::text[]) AS id) keys
      ORDER BY key`,
    [POST_STATS_LOCK_CLASS, postIds],
  );
}

/**
 * Records the posts' deletions (each tombstone keeps its post's latest deletion) and removes the
 * figures of every post created at or before its deletion, in one statement.
 */
export async function writePostDeletionsInBulk(
  db: Queryable,
  deletions: ReadonlyArray<{ postId: string; deletedAt: string; version: number }>,
): Promise<void> {
  if (deletions.length === 0) return;
  await db.query(
    `WITH deletions AS (
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::integer[]) AS d(post_id, deleted_at, deleted_version)
     ), tombstones AS (
       INSERT INTO analytics.post_stats_deletions AS current (post_id, deleted_at, deleted_version)
       SELECT post_id, deleted_at, deleted_version FROM deletions
       ORDER BY post_id
       ON CONFLICT (post_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, deleted_version = EXCLUDED.deleted_version
       WHERE (current.deleted_at, current.deleted_version) < (EXCLUDED.deleted_at, EXCLUDED.deleted_version)
     )
     DELETE FROM analytics.post_stats AS stats
      USING deletions
      WHERE stats.post_id = deletions.post_id AND stats.post_created_at <= deletions.deleted_at`,
    [
      deletions.map((deletion) => deletion.postId),
      deletions.map((deletion) => deletion.deletedAt),
      deletions.map((deletion) => deletion.version),
    ],
  );
}

/**
 * Writes the figures of each post as of its version, unless figures of the same or a newer version
 * (or of a post created later under the same id) are there, or the post was deleted after it was
 * created (a tombstone at or after its `createdAt`). `computed_at` is the time of the transaction.
 */
export async function writePostStatsInBulk(
  db: Queryable,
  writes: ReadonlyArray<{ postId: string; createdAt: string; version: number; stats: TextStatistics }>,
): Promise<void> {
  if (writes.length === 0) return;
  await db.query(
    `INSERT INTO analytics.post_stats AS current
       (post_id, post_created_at, post_version, word_count, avg_word_length, char_count, computed_at)
     SELECT w.post_id, w.created_at, w.version, w.word_count, w.avg_word_length, w.char_count, now()
       FROM unnest($1::text[], $2::timestamptz[], $3::integer[], $4::integer[], $5::numeric[], $6::integer[])
         AS w(post_id, created_at, version, word_count, avg_word_length, char_count)
      WHERE NOT EXISTS (
        SELECT 1 FROM analytics.post_stats_deletions deleted
         WHERE deleted.post_id = w.post_id AND deleted.deleted_at >= w.created_at
      )
      ORDER BY w.post_id
     ON CONFLICT (post_id) DO UPDATE SET
       post_created_at = EXCLUDED.post_created_at,
       post_version = EXCLUDED.post_version,
       word_count = EXCLUDED.word_count,
       avg_word_length = EXCLUDED.avg_word_length,
       char_count = EXCLUDED.char_count,
       computed_at = EXCLUDED.computed_at
     WHERE (current.post_created_at, current.post_version) < (EXCLUDED.post_created_at, EXCLUDED.post_version)`,
    [
      writes.map((write) => write.postId),
      writes.map((write) => write.createdAt),
      writes.map((write) => write.version),
      writes.map((write) => write.stats.word_count),
      writes.map((write) => String(write.stats.avg_word_length)),
      writes.map((write) => write.stats.char_count),
    ],
  );
}
