import { validateEvent, type HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { readTopic, startTestHerald, validProduct } from './helpers/herald.js';

/**
 * PATCH of `stock`: an absolute level, as stock counts are reported. A new level is a stock
 * adjustment (delta = new - old) written in the same transaction as the product, published as
 * StockAdjusted; ProductUpdated only describes the other fields, and only when one changed.
 */

const PRODUCTS = '/api/v1/products';

interface Product {
  id: string;
  stock: number;
  low_stock: boolean;
  low_stock_threshold: number;
  name: string;
  version: number;
  updated_at: string;
}

const herald = await startTestHerald(t);

async function create(overrides: Record<string, unknown> = {}): Promise<Product> {
  const response = await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct(overrides) });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return response.json<Product>();
}
const patch = (id: string, body: unknown, headers?: Record<string, string>) =>
  herald.request({ method: 'PATCH', url: `${PRODUCTS}/${id}`, body, headers });

/** The events a product's writes appended to the outbox, in commit order. */
async function outboxEvents(productId: string): Promise<HeraldEvent[]> {
  const { rows } = await herald.pool.query<{ payload: HeraldEvent }>(
    'SELECT payload FROM outbox WHERE message_key = $1 ORDER BY position',
    [productId],
  );
  return rows.map((row) => row.payload);
}

async function adjustments(productId: string) {
  const { rows } = await herald.pool.query(
    `SELECT delta, reason, stock_before, stock_after, created_at FROM stock_adjustments WHERE product_id = $1 ORDER BY created_at, id`,
    [productId],
  );
  return rows as Array<{ delta: number; reason: string; stock_before: number; stock_after: number; created_at: Date }>;
}

t.test('a PATCH of stock alone records an adjustment of new - old and publishes StockAdjusted only', async (t) => {
  const product = await create({ stock: 40, low_stock_threshold: 5 });
  const response = await patch(product.id, { stock: 33 });
  t.equal(response.statusCode, 200);
  t.equal(response.headers.etag, '"2"');
  const updated = response.json<Product>();
  t.equal(updated.stock, 33);
  t.equal(updated.version, 2);

  const recorded = await adjustments(product.id);
  t.equal(recorded.length, 1, 'one adjustment');
  t.match(recorded[0], { delta: -7, reason: 'stock set by update', stock_before: 40, stock_after: 33 });
  t.equal(recorded[0]!.created_at.toISOString(), updated.updated_at, 'at the instant of the update');

  const events = await outboxEvents(product.id);
  t.same(events.map((e) => e.type), ['ProductCreated', 'StockAdjusted'], 'no ProductUpdated');
  const adjusted = events[1] as Extract<HeraldEvent, { type: 'StockAdjusted' }>;
  t.match(adjusted.data, { product_id: product.id, delta: -7, reason: 'stock set by update', stock_before: 40, stock_after: 33, version: 2 });
  t.ok(validateEvent(adjusted).valid, 'the event fits its schema');
});

t.test('a client-given stock_reason becomes the adjustment reason', async (t) => {
  const product = await create({ stock: 10 });
  t.equal((await patch(product.id, { stock: 25, stock_reason: 'inventory count 2025-03' })).statusCode, 200);
  t.match(await adjustments(product.id), [{ delta: 15, reason: 'inventory count 2025-03', stock_before: 10, stock_after: 25 }]);
  const events = await outboxEvents(product.id);
  t.match(events.at(-1), { type: 'StockAdjusted', data: { reason: 'inventory count 2025-03', delta: 15 } });
});

t.test('stock and other fields in one PATCH: one version, ProductUpdated without stock, then StockAdjusted', async (t) => {
  const product = await create({ stock: 40, low_stock_threshold: 5, name: 'Before' });
  const response = await patch(product.id, { name: 'After', stock: 50 });
  t.equal(response.statusCode, 200);
  t.match(response.json(), { name: 'After', stock: 50, version: 2 });

  const events = await outboxEvents(product.id);
  t.same(events.map((e) => e.type), ['ProductCreated', 'ProductUpdated', 'StockAdjusted']);
  const [, updated, adjusted] = events as [HeraldEvent, Extract<HeraldEvent, { type: 'ProductUpdated' }>, Extract<HeraldEvent, { type: 'StockAdjusted' }>];
  t.strictSame(updated.data.changes, { name: 'After' }, 'stock is not among the changed fields');
  t.strictSame(updated.data.previous, { name: 'Before' });
  t.equal(updated.data.product.stock, 50, 'the snapshot is the product after the whole update');
  t.equal(updated.data.version, 2);
  t.match(adjusted.data, { delta: 10, stock_before: 40, stock_after: 50, version: 2 });
  for (const event of events) t.ok(validateEvent(event).valid, `${event.type} fits its schema`);
});

t.test('a stock equal to the current one changes nothing: same version, no adjustment, no event', async (t) => {
  const product = await create({ stock: 12 });
  const response = await patch(product.id, { stock: 12, stock_reason: 'recount' });
  t.equal(response.statusCode, 200);
  t.equal(response.headers.etag, '"1"');
  t.strictSame(response.json(), product, 'returned unchanged, updated_at included');
  t.same(await adjustments(product.id), []);
  t.same((await outboxEvents(product.id)).map((e) => e.type), ['ProductCreated']);

  // With another field that does change: only that field is published.
  await patch(product.id, { stock: 12, name: 'Renamed' });
  t.same((await outboxEvents(product.id)).map((e) => e.type), ['ProductCreated', 'ProductUpdated']);
  t.same(await adjustments(product.id), []);
});

t.test('setting stock into the low-stock state raises LowStockWarning (cause updated), staying low does not', async (t) => {
  const product = await create({ stock: 20, low_stock_threshold: 10 });
  const crossing = await patch(product.id, { stock: 10 });
  t.equal(crossing.json<Product>().low_stock, true);
  await patch(product.id, { stock: 4 }); // stays low
  await patch(product.id, { stock: 30 }); // healthy again
  await patch(product.id, { stock: 0, name: 'Sold out' }); // crosses again, with another field
  const events = await outboxEvents(product.id);
  t.same(events.map((e) => e.type), [
    'ProductCreated',
    'StockAdjusted', 'LowStockWarning',
    'StockAdjusted',
    'StockAdjusted',
    'ProductUpdated', 'StockAdjusted', 'LowStockWarning',
  ]);
  const warnings = events.filter((e): e is Extract<HeraldEvent, { type: 'LowStockWarning' }> => e.type === 'LowStockWarning');
  t.same(warnings.map((w) => [w.data.cause, w.data.stock, w.data.version]), [['updated', 10, 2], ['updated', 0, 5]]);
});

t.test('If-Match guards a stock update: a stale one is a 412 that records nothing', async (t) => {
  const product = await create({ stock: 8 });
  await patch(product.id, { name: 'Version 2' });
  const stale = await patch(product.id, { stock: 1 }, { 'if-match': '"1"' });
  t.equal(stale.statusCode, 412);
  t.same(await adjustments(product.id), []);
  t.equal((await herald.request({ method: 'GET', url: `${PRODUCTS}/${product.id}` })).json<Product>().stock, 8);
  t.equal((await patch(product.id, { stock: 1 }, { 'if-match': '"2"' })).statusCode, 200);
});

t.test('a stock update that fails (duplicate sku) leaves neither an adjustment nor an event', async (t) => {
  await create({ sku: 'STOCK-TAKEN' });
  const product = await create({ stock: 5 });
  const before = await outboxEvents(product.id);
  const response = await patch(product.id, { sku: 'STOCK-TAKEN', stock: 99 });
  t.equal(response.statusCode, 409);
  t.same(await adjustments(product.id), [], 'the adjustment rolled back with the update');
  t.same(await outboxEvents(product.id), before);
  t.equal((await herald.request({ method: 'GET', url: `${PRODUCTS}/${product.id}` })).json<Product>().stock, 5);
});

t.test('concurrent adjustments and stock updates of one product serialize: the adjustments add up to the final stock', async (t) => {
  const product = await create({ stock: 100, low_stock_threshold: 0 });
  const writes = Array.from({ length: 20 }, (_, i) =>
    i % 4 === 0
      ? patch(product.id, { stock: 200 + i })
      : herald.request({ method: 'POST', url: `${PRODUCTS}/${product.id}/stock-adjustments`, body: { delta: -1, reason: 'sale' } }),
  );
  const statuses = (await Promise.all(writes)).map((r) => r.statusCode);
  t.ok(statuses.every((s) => s === 200 || s === 201), statuses.join(','));
  const final = (await herald.request({ method: 'GET', url: `${PRODUCTS}/${product.id}` })).json<Product>();
  const recorded = await adjustments(product.id);
  t.equal(100 + recorded.reduce((sum, a) => sum + a.delta, 0), final.stock, 'the history of adjustments explains the stock');
  t.equal(final.version, 1 + recorded.length, 'one version per write that changed the stock');
});

t.test('the published events of a stock update reach the topic in commit order, keyed by product', async (t) => {
  const product = await create({ stock: 3, low_stock_threshold: 1 });
  await patch(product.id, { stock: 1, stock_reason: 'breakage' });
  const received = await readTopic(herald.transport, herald.topic, (r) => r.filter((x) => x.event.subject === product.id).length >= 3);
  const mine = received.filter((r) => r.event.subject === product.id);
  t.same(mine.map((r) => r.event.type), ['ProductCreated', 'StockAdjusted', 'LowStockWarning']);
  t.ok(mine.every((r) => r.record.key === product.id));
  t.match(mine[1]!.event, { type: 'StockAdjusted', data: { delta: -2, reason: 'breakage', stock_after: 1 } });
});
