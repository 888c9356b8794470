import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent, type ProductUpdatedData } from '@herald/event-schemas';

/** A small seeded PRNG (mulberry32): the same seed always yields the same history. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface ProductState {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  stock: number;
  low_stock_threshold: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface HistoryOptions {
  seed: number;
  /** Writes to simulate (each yields one event, plus a LowStockWarning when it crosses into low stock). */
  writes: number;
  start: Date;
  /** Largest gap between two writes; default 15 s, so a few hundred writes span tens of minutes. */
  maxGapMs?: number;
  currencies?: string[];
}

const SOURCE = '/herald/api';
const SKU_PREFIXES = ['SKU', 'sku', 'Ab', 'ab', 'Z_', 'a-', '0'];

/**
 * Simulates the API: creates products with various prices and currencies, updates (prices,
 * thresholds, skus, names), stock adjustments and deletes, and emits the events the API would,
 * in commit order, with versions and low-stock warnings following the same rules.
 */
export function generateHistory(options: HistoryOptions): HeraldEvent[] {
  const random = seededRandom(options.seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const currencies = options.currencies ?? ['EUR', 'USD', 'JPY', 'GBP', 'CHF'];
  const maxGapMs = options.maxGapMs ?? 15_000;
  const products = new Map<string, ProductState>();
  const events: HeraldEvent[] = [];
  let clock = options.start.getTime();
  let nextSku = 1;

  const isLow = (p: { stock: number; low_stock_threshold: number }) => p.stock <= p.low_stock_threshold;
  const snapshot = (p: ProductState) => ({ ...p, price: { ...p.price } });
  const warnIfCrossed = (before: ProductState | undefined, after: ProductState, cause: 'created' | 'updated' | 'stock_adjusted', time: Date) => {
    if ((before === undefined || !isLow(before)) && isLow(after)) {
      events.push(
        createEvent({
          type: 'LowStockWarning',
          subject: after.id,
          source: SOURCE,
          time,
          data: {
            product_id: after.id,
            sku: after.sku,
            name: after.name,
            stock: after.stock,
            low_stock_threshold: after.low_stock_threshold,
            cause,
            version: after.version,
          },
        }),
      );
    }
  };
  const newSku = () => `${pick(SKU_PREFIXES)}${String(nextSku++).padStart(int(1, 4), '0')}`;

  for (let n = 0; n < options.writes; n += 1) {
    clock += int(0, maxGapMs);
    const time = new Date(clock);
    const iso = time.toISOString();
    const live = [...products.values()];
    const roll = live.length < 3 ? 0 : random();

    if (roll < 0.25) {
      const product: ProductState = {
        id: randomUUID(),
        sku: newSku(),
        name: `Product ${n}`,
        description: '',
        price: { amount: random() < 0.05 ? 0 : int(1, 10_000_000), currency: pick(currencies) },
        stock: int(0, 150),
        low_stock_threshold: int(0, 50),
        created_at: iso,
        updated_at: iso,
        version: 1,
      };
      products.set(product.id, product);
      events.push(createEvent({ type: 'ProductCreated', subject: product.id, source: SOURCE, time, data: { product: snapshot(product) } }));
      warnIfCrossed(undefined, product, 'created', time);
    } else if (roll < 0.5) {
      const before = pick(live);
      const after: ProductState = { ...before, price: { ...before.price }, version: before.version + 1, updated_at: iso };
      const changes: ProductUpdatedData['changes'] = {};
      const previous: ProductUpdatedData['previous'] = {};
      const fields = ['price', 'low_stock_threshold', 'name', 'sku', 'description'] as const;
      const chosen = fields.filter(() => random() < 0.4);
      if (chosen.length === 0) chosen.push(pick(fields));
      for (const field of chosen) {
        if (field === 'price') {
          after.price = { amount: int(0, 10_000_000), currency: random() < 0.3 ? pick(currencies) : before.price.currency };
          changes.price = { ...after.price };
          previous.price = { ...before.price };
        } else if (field === 'low_stock_threshold') {
          after.low_stock_threshold = int(0, 80);
          changes.low_stock_threshold = after.low_stock_threshold;
          previous.low_stock_threshold = before.low_stock_threshold;
        } else if (field === 'name') {
          after.name = `Renamed ${n}`;
          changes.name = after.name;
          previous.name = before.name;
        } else if (field === 'sku') {
          after.sku = newSku();
          changes.sku = after.sku;
          previous.sku = before.sku;
        } else {
          after.description = `Description ${n}`;
          changes.description = after.description;
          previous.description = before.description;
        }
      }
      products.set(after.id, after);
      events.push(
        createEvent({
          type: 'ProductUpdated',
          subject: after.id,
          source: SOURCE,
          time,
          data: { product_id: after.id, version: after.version, changes, previous, product: snapshot(after) },
        }),
      );
      warnIfCrossed(before, after, 'updated', time);
    } else if (roll < 0.88) {
      const before = pick(live);
      let delta = int(-Math.min(before.stock, 60), 60);
      if (delta === 0) delta = 1;
      const after: ProductState = { ...before, stock: before.stock + delta, version: before.version + 1, updated_at: iso };
      products.set(after.id, after);
      events.push(
        createEvent({
          type: 'StockAdjusted',
          subject: after.id,
          source: SOURCE,
          time,
          data: {
            product_id: after.id,
            adjustment_id: randomUUID(),
            delta,
            reason: delta > 0 ? 'restock' : 'sale',
            stock_before: before.stock,
            stock_after: after.stock,
            version: after.version,
          },
        }),
      );
      warnIfCrossed(before, after, 'stock_adjusted', time);
    } else {
      const gone = pick(live);
      products.delete(gone.id);
      events.push(
        createEvent({
          type: 'ProductDeleted',
          subject: gone.id,
          source: SOURCE,
          time,
          data: { product_id: gone.id, sku: gone.sku, version: gone.version, deleted_at: iso },
        }),
      );
    }
  }
  return events;
}

/** The events in a seeded random order (Fisher-Yates), as a badly behaved transport might deliver them. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
