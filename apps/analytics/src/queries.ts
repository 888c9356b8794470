import { eventTypes, isEventType, type EventType } from '@herald/event-schemas';
import type pg from 'pg';
import { inTransaction } from './db.js';
import { ANALYTICS_ERROR_CODES, AnalyticsError } from './errors.js';

/** Longest window `eventRates` answers: one day. */
export const MAX_EVENT_RATE_MINUTES = 1440;
/** Window of `eventRates` when `minutes` is not given. */
export const DEFAULT_EVENT_RATE_MINUTES = 60;

const MINUTE_MS = 60_000;

export interface EventRatesQuery {
  /** Whole minutes to cover, counting the current (partial) one: 1..MAX_EVENT_RATE_MINUTES, default 60. */
  minutes?: number;
  /** Event types to report; absent or empty: every type in the catalog. */
  types?: ReadonlyArray<string>;
}

export interface EventRatePoint {
  /** Start of the UTC minute, ISO 8601. */
  minute: string;
  type: EventType;
  /** Events of `type` whose `time` falls in that minute. */
  count: number;
}

export interface EventRates {
  /** Start of the oldest minute reported. */
  from: string;
  /** When the figures were read (inside the newest minute reported). */
  to: string;
  /**
   * One point per minute and requested type that had events (minutes without events are
   * omitted), oldest minute first and, within a minute, types in the order requested (catalog
   * order by default).
   */
  series: EventRatePoint[];
}

/** A sum of money, exact at any size. */
export interface MoneyTotal {
  /** Minor units as a decimal integer string (sums can exceed Number.MAX_SAFE_INTEGER). */
  amount: string;
  currency: string;
}

export interface LowStockProduct {
  id: string;
  sku: string;
  name: string;
  stock: number;
  low_stock_threshold: number;
}

export interface InventoryFigures {
  /** Products currently in existence (created, not deleted). */
  product_count: number;
  /** Sum of their stock. */
  units_in_stock: number;
  /** Per currency present, sum of price.amount × stock in minor units, sorted by currency. */
  stock_value: MoneyTotal[];
  /** Products with stock <= low_stock_threshold, sorted by sku. */
  low_stock: LowStockProduct[];
  /** `time` of the newest event applied so far; null before the first. */
  updated_at: string | null;
}

/** The statistics of a post's content, as of one version of the post. */
export interface PostStatsFigures {
  post_id: string;
  /** When the post they describe was created: a post deleted and created again under its id is another post. */
  post_created_at: string;
  /** The version of the post whose content was counted. */
  post_version: number;
  word_count: number;
  /** Mean word length in characters, 2 decimals. */
  avg_word_length: number;
  char_count: number;
  /** When the figures were computed (the consumer's transaction). */
  computed_at: string;
}

export interface AnalyticsQueries {
  eventRates(query: EventRatesQuery): Promise<EventRates>;
  inventory(): Promise<InventoryFigures>;
  /** The figures kept for the post with this id; undefined when none are (not computed yet, or deleted). */
  postStats(postId: string): Promise<PostStatsFigures | undefined>;
}

export interface AnalyticsQueriesOptions {
  /** The clock `eventRates` measures its window from. Default: the system clock. */
  now?: () => Date;
}

/**
 * Numbers are read from PostgreSQL as text and converted here, so the result does not depend on
 * type parsers another module may have installed on `pg` globally, and sums computed as numeric
 * (never in floating point) are exact whenever they fit in a safe integer.
 */
function toNumber(text: string): number {
  return Number(text);
}

function invalid(field: 'minutes' | 'types', message: string): AnalyticsError {
  return new AnalyticsError(ANALYTICS_ERROR_CODES.invalidQuery, message, { field });
}

function requestedTypes(types: ReadonlyArray<string> | undefined): EventType[] {
  if (types === undefined || types.length === 0) return [...eventTypes];
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) {
    throw invalid('types', `unknown event type(s): ${unknown.join(', ')} (known: ${eventTypes.join(', ')})`);
  }
  return [...new Set(types as ReadonlyArray<EventType>)];
}

/**
 * The read side for the API's routes. Each function answers from one consistent snapshot of the
 * `analytics` schema; shapes are the HTTP contract as is (snake_case). Arguments outside the
 * contract throw an AnalyticsError with code HERALD_ANALYTICS_INVALID_QUERY.
 */
export function createAnalyticsQueries(pool: pg.Pool, options: AnalyticsQueriesOptions = {}): AnalyticsQueries {
  const now = options.now ?? (() => new Date());

  async function eventRates(query: EventRatesQuery): Promise<EventRates> {
    const minutes = query.minutes ?? DEFAULT_EVENT_RATE_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_EVENT_RATE_MINUTES) {
      throw invalid('minutes', `minutes must be an integer from 1 to ${MAX_EVENT_RATE_MINUTES} (got ${String(minutes)})`);
    }
    const types = requestedTypes(query.types);
    const to = now();
    const lastMinute = Math.floor(to.getTime() / MINUTE_MS) * MINUTE_MS;
    const firstMinute = lastMinute - (minutes - 1) * MINUTE_MS;

    const { rows } = await pool.query<{ minute_ms: string; event_type: EventType; count: string }>(
      `SELECT (extract(epoch FROM minute) * 1000)::bigint::text AS minute_ms, event_type, count::text AS count
         FROM analytics.event_counts
        WHERE minute >= $1 AND minute <= $2 AND event_type = ANY($3::text[])
        ORDER BY minute, array_position($3::text[], event_type)`,
      [new Date(firstMinute).toISOString(), new Date(lastMinute).toISOString(), types],
    );
    const series = rows.map((row) => ({
      minute: new Date(toNumber(row.minute_ms)).toISOString(),
      type: row.event_type,
      count: toNumber(row.count),
    }));
    return { from: new Date(firstMinute).toISOString(), to: to.toISOString(), series };
  }

  async function inventory(): Promise<InventoryFigures> {
    // One snapshot for all four reads: the count, the sums and the list always describe the same state.
    return inTransaction(
      pool,
      async (client) => {
        const totals = await client.query<{ product_count: string; units_in_stock: string }>(
          `SELECT count(*)::text AS product_count, coalesce(sum(stock), 0)::text AS units_in_stock
             FROM analytics.inventory
            WHERE deleted_version IS NULL AND details_version > 0`,
        );
        // numeric, never floating point: the sum is exact at any size and leaves as its decimal text.
        const values = await client.query<{ currency: string; amount: string }>(
          `SELECT price_currency AS currency, sum(price_amount::numeric * stock)::text AS amount
             FROM analytics.inventory
            WHERE deleted_version IS NULL AND details_version > 0
            GROUP BY price_currency
            ORDER BY price_currency COLLATE "C"`,
        );
        const lowStock = await client.query<LowStockProduct>(
          `SELECT product_id::text AS id, sku, name, stock, low_stock_threshold
             FROM analytics.inventory
            WHERE deleted_version IS NULL AND details_version > 0 AND stock <= low_stock_threshold
            ORDER BY sku COLLATE "C", product_id`,
        );
        const newest = await client.query<{ newest_ms: string | null }>(
          `SELECT floor(extract(epoch FROM max(event_time)) * 1000)::bigint::text AS newest_ms
             FROM analytics.processed_events`,
        );
        const totalsRow = totals.rows[0]!;
        const newestMs = newest.rows[0]?.newest_ms ?? null;
        return {
          product_count: toNumber(totalsRow.product_count),
          units_in_stock: toNumber(totalsRow.units_in_stock),
          stock_value: values.rows.map((row) => ({ amount: row.amount, currency: row.currency })),
          low_stock: lowStock.rows.map((row) => ({
            id: row.id,
            sku: row.sku,
            name: row.name,
            stock: row.stock,
            low_stock_threshold: row.low_stock_threshold,
          })),
          updated_at: newestMs === null ? null : new Date(toNumber(newestMs)).toISOString(),
        };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async function postStats(postId: string): Promise<PostStatsFigures | undefined> {
    const { rows } = await pool.query<{
      post_id: string;
      created_ms: string;
      post_version: number;
      word_count: number;
      avg_word_length: string;
      char_count: number;
      computed_ms: string;
    }>(
      `SELECT post_id, post_version, word_count, avg_word_length::text AS avg_word_length, char_count,
              floor(extract(epoch FROM post_created_at) * 1000)::bigint::text AS created_ms,
              floor(extract(epoch FROM computed_at) * 1000)::bigint::text AS computed_ms
         FROM analytics.post_stats
        WHERE post_id = $1`,
      [postId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      post_id: row.post_id,
      post_created_at: new Date(toNumber(row.created_ms)).toISOString(),
      post_version: row.post_version,
      word_count: row.word_count,
      avg_word_length: toNumber(row.avg_word_length),
      char_count: row.char_count,
      computed_at: new Date(toNumber(row.computed_ms)).toISOString(),
    };
  }

  return { eventRates, inventory, postStats };
}
