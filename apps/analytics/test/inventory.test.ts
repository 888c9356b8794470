import t from 'tap';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { randomUUID } from 'node:crypto';
import { analyticsConsumer, applyEvent, createAnalyticsQueries } from '../src/index.js';
import { foldInventory } from './helpers/expected-figures.js';
import { generateHistory, shuffled } from './helpers/event-history.js';
import { handlerContext } from './helpers/handler-context.js';
import { migratedDatabase, truncateAnalytics } from './helpers/test-database.js';

const { pool } = await migratedDatabase(t);
const queries = createAnalyticsQueries(pool);
const consumer = analyticsConsumer({ pool });
const START = new Date('2025-03-01T09:58:30.000Z');

async function deliver(events: readonly HeraldEvent[]): Promise<void> {
  for (const [offset, event] of events.entries()) await consumer.handle(event, handlerContext(event, offset));
}

/** The whole read model as rows, to show that something changed nothing at all. */
async function dump() {
  const inventory = await pool.query('SELECT * FROM analytics.inventory ORDER BY product_id');
  const counts = await pool.query('SELECT minute, event_type, count::text FROM analytics.event_counts ORDER BY minute, event_type');
  const inbox = await pool.query('SELECT event_id, event_type, event_time, processed_at FROM analytics.processed_events ORDER BY event_id');
  return { inventory: inventory.rows, counts: counts.rows, inbox: inbox.rows };
}

const SOURCE = '/herald/api';
function product(overrides: Partial<{ id: string; sku: string; name: string; amount: number; currency: string; stock: number; threshold: number; version: number }> = {}) {
  const at = '2025-03-01T10:00:00.000Z';
  return {
    id: overrides.id ?? randomUUID(),
    sku: overrides.sku ?? `SKU-${randomUUID().slice(0, 8)}`,
    name: overrides.name ?? 'Widget',
    description: '',
    price: { amount: overrides.amount ?? 1000, currency: overrides.currency ?? 'EUR' },
    stock: overrides.stock ?? 20,
    low_stock_threshold: overrides.threshold ?? 5,
    created_at: at,
    updated_at: at,
    version: overrides.version ?? 1,
  };
}
const created = (p: ReturnType<typeof product>) =>
  createEvent({ type: 'ProductCreated', subject: p.id, source: SOURCE, data: { product: p } });
const updated = (p: ReturnType<typeof product>, previous: ReturnType<typeof product>) =>
  createEvent({
    type: 'ProductUpdated',
    subject: p.id,
    source: SOURCE,
    data: { product_id: p.id, version: p.version, changes: { price: p.price }, previous: { price: previous.price }, product: p },
  });
const adjusted = (id: string, before: number, after: number, version: number) =>
  createEvent({
    type: 'StockAdjusted',
    subject: id,
    source: SOURCE,
    data: { product_id: id, adjustment_id: randomUUID(), delta: after - before, reason: 'count', stock_before: before, stock_after: after, version },
  });
const deleted = (p: { id: string; sku: string }, version: number) =>
  createEvent({
    type: 'ProductDeleted',
    subject: p.id,
    source: SOURCE,
    data: { product_id: p.id, sku: p.sku, version, deleted_at: new Date().toISOString() },
  });

t.beforeEach(() => truncateAnalytics(pool));

t.test('an empty read model reports zeros, nothing low and no update time', async (t) => {
  t.same(await queries.inventory(), { product_count: 0, units_in_stock: 0, stock_value: [], low_stock: [], updated_at: null });
});

t.test('the figures equal a plain fold of a generated history of creates, updates, adjustments and deletes', async (t) => {
  for (const seed of [1, 2, 3]) {
    await truncateAnalytics(pool);
    const events = generateHistory({ seed, writes: 250, start: START });
    const types = new Set(events.map((event) => event.type));
    t.equal(types.size, 5, `seed ${seed}: the history has every event type`);
    t.ok(
      events.some((event) => event.type === 'ProductUpdated' && event.data.changes.price && event.data.changes.price.currency !== event.data.previous.price?.currency),
      `seed ${seed}: some update changes a price's currency`,
    );
    await deliver(events);
    const expected = foldInventory(events);
    t.ok(expected.product_count > 10 && expected.low_stock.length > 0 && expected.stock_value.length > 1, `seed ${seed}: a non-trivial inventory`);
    t.same(await queries.inventory(), expected, `seed ${seed}: figures match the fold`);
  }
});

t.test('a second delivery of the same event changes nothing', async (t) => {
  const events = generateHistory({ seed: 4, writes: 150, start: START });
  const first = [];
  for (const event of events) first.push(await applyEvent(pool, event));
  t.same(new Set(first), new Set(['applied']), 'the first delivery applies every event');
  const before = await dump();
  const figures = await queries.inventory();

  const outcomes = [];
  for (const event of events) outcomes.push(await applyEvent(pool, event));
  t.same(new Set(outcomes), new Set(['duplicate']), 'every redelivery is recognised as a duplicate');
  t.same(await dump(), before, 'not one row changed');
  t.same(await queries.inventory(), figures);

  // Through the consumer definition too: redelivered in a different order.
  await deliver(shuffled(events, 99));
  t.same(await dump(), before, 'a shuffled redelivery changed nothing either');
});

t.test('concurrent deliveries of the same event apply it once', async (t) => {
  const p = product({ stock: 7 });
  const event = created(p);
  const outcomes = await Promise.all(Array.from({ length: 8 }, () => applyEvent(pool, event)));
  t.equal(outcomes.filter((outcome) => outcome === 'applied').length, 1, 'one applied');
  t.equal(outcomes.filter((outcome) => outcome === 'duplicate').length, 7, 'the others saw the inbox row');
  const { rows } = await pool.query('SELECT sum(count)::int AS total FROM analytics.event_counts');
  t.equal(rows[0].total, 1, 'counted once');
  t.equal((await queries.inventory()).units_in_stock, 7);
});

t.test('an older version arriving late is ignored', async (t) => {
  const v1 = product({ amount: 1000, stock: 10, threshold: 2 });
  const v2 = { ...v1, price: { amount: 2500, currency: 'USD' }, version: 2 };
  await deliver([created(v1), updated(v2, v1), adjusted(v1.id, 10, 40, 3)]);
  const current = await queries.inventory();
  t.strictSame(current.stock_value, [{ amount: String(2500 * 40), currency: 'USD' }]);

  // Not duplicates (new event ids) but stale: versions the read model is already past.
  const staleSnapshot = { ...v1, name: 'Stale', price: { amount: 1, currency: 'EUR' }, stock: 0, version: 2 };
  await deliver([
    created(v1),
    updated(staleSnapshot, v1),
    adjusted(v1.id, 10, 0, 3),
    adjusted(v1.id, 10, 1, 2),
  ]);
  const after = await queries.inventory();
  t.same(after.stock_value, current.stock_value, 'price and stock stay those of the newest versions');
  t.equal(after.units_in_stock, 40);
  t.same(after.low_stock, []);
  t.equal(after.product_count, 1);
});

t.test('a snapshot older than the stock applies its details but keeps the newer stock', async (t) => {
  const v1 = product({ amount: 100, stock: 10, threshold: 2 });
  const v2 = { ...v1, price: { amount: 300, currency: 'EUR' }, low_stock_threshold: 50, version: 2 };
  // Version 3 (a stock adjustment) overtakes version 2 (a price and threshold change).
  await deliver([created(v1), adjusted(v1.id, 10, 30, 3), updated(v2, v1)]);
  const figures = await queries.inventory();
  t.strictSame(figures.stock_value, [{ amount: String(300 * 30), currency: 'EUR' }], 'version 2 price, version 3 stock');
  t.same(figures.low_stock, [{ id: v1.id, sku: v1.sku, name: v1.name, stock: 30, low_stock_threshold: 50 }]);
});

t.test('a stock adjustment that overtakes its ProductCreated counts once the product is known', async (t) => {
  const v1 = product({ stock: 10, amount: 5 });
  await deliver([adjusted(v1.id, 10, 12, 2)]);
  t.same(await queries.inventory().then((figures) => [figures.product_count, figures.units_in_stock]), [0, 0], 'not counted without its details');
  await deliver([created(v1)]);
  const figures = await queries.inventory();
  t.equal(figures.product_count, 1);
  t.equal(figures.units_in_stock, 12, 'the newer stock wins over the snapshot of version 1');
});

t.test('a deleted product stays deleted whatever arrives late', async (t) => {
  const v1 = product({ stock: 3, threshold: 5 });
  const other = product({ stock: 50 });
  await deliver([created(v1), created(other), deleted(v1, 1)]);
  t.equal((await queries.inventory()).product_count, 1);
  await deliver([created(v1), adjusted(v1.id, 3, 9, 2), updated({ ...v1, version: 2 }, v1)]);
  const figures = await queries.inventory();
  t.equal(figures.product_count, 1, 'not resurrected');
  t.equal(figures.units_in_stock, 50);
  t.same(figures.low_stock, []);

  // And a deletion that overtakes everything about its product.
  const ghost = product();
  await deliver([deleted(ghost, 2), created(ghost), adjusted(ghost.id, 20, 21, 2)]);
  t.equal((await queries.inventory()).product_count, 1, 'a product deleted before it was seen never appears');
});

t.test('any delivery order of a history ends in the figures of its commit order', async (t) => {
  const events = generateHistory({ seed: 5, writes: 200, start: START });
  const expected = foldInventory(events);
  for (const seed of [11, 12]) {
    await truncateAnalytics(pool);
    await deliver(shuffled(events, seed));
    t.same(await queries.inventory(), expected, `shuffle ${seed}`);
  }
});

t.test('an event whose transaction fails leaves no trace, and applies on its next delivery', async (t) => {
  const p = product({ stock: 4, threshold: 5 });
  const event = created(p);
  // Fails the last statement of the transaction, after the inbox row and the inventory row were written.
  await pool.query(`
    CREATE FUNCTION analytics.test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure'; END $$;
    CREATE TRIGGER test_fail BEFORE INSERT ON analytics.event_counts FOR EACH ROW EXECUTE FUNCTION analytics.test_fail();
  `);
  t.teardown(() => pool.query('DROP FUNCTION IF EXISTS analytics.test_fail() CASCADE'));
  await t.rejects(consumer.handle(event, handlerContext(event)), /injected failure/);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM analytics.processed_events');
  t.equal(rows[0].n, 0, 'no inbox row');
  t.equal((await queries.inventory()).product_count, 0, 'no inventory change');

  await pool.query('DROP FUNCTION analytics.test_fail() CASCADE');
  await consumer.handle(event, handlerContext(event));
  t.same((await queries.inventory()).low_stock.map((row) => row.id), [p.id], 'applied on redelivery');
});

t.test('stock values are summed exactly up to 2^53', async (t) => {
  // 3 002 399 751 580 330 × 3 + 1 × 1 = 9 007 199 254 740 991 = Number.MAX_SAFE_INTEGER
  await deliver([
    created(product({ amount: 3_002_399_751_580_330, stock: 3, currency: 'JPY' })),
    created(product({ amount: 1, stock: 1, currency: 'JPY' })),
    created(product({ amount: 2_147_483_647, stock: 2_000_000, currency: 'EUR' })),
  ]);
  const figures = await queries.inventory();
  t.strictSame(figures.stock_value, [
    { amount: '4294967294000000', currency: 'EUR' },
    { amount: String(Number.MAX_SAFE_INTEGER), currency: 'JPY' },
  ]);
  t.equal(figures.units_in_stock, 2_000_004);
});

t.test('stock values above 2^53 are exact decimal strings, never rounded through a double', async (t) => {
  // MAX_SAFE_INTEGER × 2 147 483 647 + 2 × 1: far above 2^53, and odd, which no double above 2^53 can be.
  await deliver([
    created(product({ amount: Number.MAX_SAFE_INTEGER, stock: 2_147_483_647, currency: 'EUR' })),
    created(product({ amount: 2, stock: 1, currency: 'EUR' })),
    // 2^53 + 1 = 9 007 199 254 740 993: the first integer a double cannot hold.
    created(product({ amount: Number.MAX_SAFE_INTEGER, stock: 1, currency: 'USD' })),
    created(product({ amount: 1, stock: 2, currency: 'USD' })),
  ]);
  const figures = await queries.inventory();
  const eur = BigInt(Number.MAX_SAFE_INTEGER) * 2_147_483_647n + 2n;
  t.strictSame(figures.stock_value, [
    { amount: eur.toString(), currency: 'EUR' },
    { amount: '9007199254740993', currency: 'USD' },
  ]);
  t.equal(figures.stock_value[0]!.amount, '19342813104826865393074179', 'every digit of the product and sum');
  for (const { amount } of figures.stock_value) t.match(amount, /^(0|[1-9][0-9]*)$/, 'the form openapi.yaml gives MoneyTotal.amount');
});

t.test('a currency whose products hold no stock is worth "0"', async (t) => {
  await deliver([created(product({ amount: 500, stock: 0, currency: 'GBP' }))]);
  t.strictSame((await queries.inventory()).stock_value, [{ amount: '0', currency: 'GBP' }]);
});
