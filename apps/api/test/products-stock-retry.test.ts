import { randomUUID } from 'node:crypto';
import type { HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { startTestHerald, validProduct } from './helpers/herald.js';

/**
 * A stock adjustment sent with an `id` of the client's choosing can be retried safely: whatever
 * happened to the first request (a timeout, a lost response), sending it again never applies the
 * delta twice.
 */

const PRODUCTS = '/api/v1/products';

const herald = await startTestHerald(t);

async function create(stock: number): Promise<{ id: string }> {
  const response = await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct({ stock, low_stock_threshold: 5 }) });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return response.json();
}
const adjust = (productId: string, body: Record<string, unknown>) =>
  herald.request({ method: 'POST', url: `${PRODUCTS}/${productId}/stock-adjustments`, body });
const stockOf = async (productId: string) => (await herald.request({ method: 'GET', url: `${PRODUCTS}/${productId}` })).json<{ stock: number }>().stock;

async function adjustedEvents(productId: string): Promise<HeraldEvent[]> {
  const { rows } = await herald.pool.query<{ payload: HeraldEvent }>(
    "SELECT payload FROM outbox WHERE message_key = $1 AND event_type = 'StockAdjusted' ORDER BY position",
    [productId],
  );
  return rows.map((row) => row.payload);
}

t.test('a repeat of the same adjustment applies nothing and answers the adjustment as recorded', async (t) => {
  const product = await create(20);
  const id = randomUUID();
  const first = await adjust(product.id, { id, delta: -3, reason: 'sale' });
  t.equal(first.statusCode, 201, 'the first request records it');
  const second = await adjust(product.id, { id, delta: -3, reason: 'sale' });
  t.equal(second.statusCode, 200, 'the repeat is answered, not applied');
  const [recorded, repeated] = [first.json(), second.json()];
  t.equal(repeated.id, id, 'under the id the client chose');
  t.same(
    { delta: repeated.delta, stock_before: repeated.stock_before, stock_after: repeated.stock_after, created_at: repeated.created_at },
    { delta: -3, stock_before: 20, stock_after: 17, created_at: recorded.created_at },
    'the adjustment as the first request recorded it',
  );
  t.equal(repeated.product.stock, 17, 'with the product as it is');
  t.equal(second.headers.etag, first.headers.etag, "and the product's ETag");
  t.equal(await stockOf(product.id), 17, 'the delta was applied once');
  const events = await adjustedEvents(product.id);
  t.equal(events.length, 1, 'one StockAdjusted');
  t.equal((events[0]!.data as { adjustment_id: string }).adjustment_id, id, 'naming the adjustment by its id');
});

t.test('a repeat after other changes still applies nothing and shows the product as it is now', async (t) => {
  const product = await create(20);
  const id = randomUUID();
  t.equal((await adjust(product.id, { id, delta: 5, reason: 'delivery' })).statusCode, 201);
  t.equal((await adjust(product.id, { delta: -1, reason: 'sale' })).statusCode, 201, 'another adjustment, without an id');
  const again = await adjust(product.id, { id, delta: 5, reason: 'delivery' });
  t.equal(again.statusCode, 200);
  t.match(again.json(), { stock_before: 20, stock_after: 25, product: { stock: 24 } }, 'recorded values, current product');
  t.equal(await stockOf(product.id), 24);
});

t.test('concurrent requests with the same id apply the delta once; every one gets the adjustment', async (t) => {
  const product = await create(100);
  const id = randomUUID();
  const responses = await Promise.all(Array.from({ length: 8 }, () => adjust(product.id, { id, delta: -7, reason: 'sale' })));
  const statuses = responses.map((response) => response.statusCode).sort();
  t.same(statuses, [200, 200, 200, 200, 200, 200, 200, 201], 'one 201, the others 200');
  t.ok(responses.every((response) => response.json().id === id && response.json().stock_after === 93), 'all the same adjustment');
  t.equal(await stockOf(product.id), 93, 'applied once');
  t.equal((await adjustedEvents(product.id)).length, 1, 'published once');
});

t.test('a different adjustment under a taken id is a 409 naming the field, and changes nothing', async (t) => {
  const product = await create(20);
  const other = await create(20);
  const id = randomUUID();
  t.equal((await adjust(product.id, { id, delta: -2, reason: 'sale' })).statusCode, 201);
  for (const [label, productId, body] of [
    ['another delta', product.id, { id, delta: -3, reason: 'sale' }],
    ['another reason', product.id, { id, delta: -2, reason: 'theft' }],
    ['another product', other.id, { id, delta: -2, reason: 'sale' }],
  ] as const) {
    const response = await adjust(productId, body);
    t.equal(response.statusCode, 409, `${label}: 409`);
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${label}: a problem`);
    t.match(response.json(), { type: 'urn:herald:problem:duplicate-adjustment-id', errors: [{ in: 'body', field: 'id' }] }, `${label}: names the id`);
  }
  t.equal(await stockOf(product.id), 18, 'the first product: only the first adjustment');
  t.equal(await stockOf(other.id), 20, 'the other product: untouched');
});

t.test('an id that is not a UUID is refused at the edge', async (t) => {
  const product = await create(20);
  const response = await adjust(product.id, { id: 'retry-1', delta: 1, reason: 'found' });
  t.equal(response.statusCode, 400);
  t.match(response.json(), { errors: [{ in: 'body', field: 'id' }] });
});

t.test('a refused first try (insufficient stock) records nothing: the same id can be used again', async (t) => {
  const product = await create(2);
  const id = randomUUID();
  t.equal((await adjust(product.id, { id, delta: -5, reason: 'sale' })).statusCode, 409, 'not enough stock');
  t.equal((await adjust(product.id, { id, delta: -2, reason: 'sale' })).statusCode, 201, 'the id is still free');
  t.equal(await stockOf(product.id), 0);
});

t.test('only an admin adjusts stock: without a token 401, a user 403, and neither learns of a taken id', async (t) => {
  const product = await create(20);
  const id = randomUUID();
  t.equal((await adjust(product.id, { id, delta: -1, reason: 'sale' })).statusCode, 201);
  const user = await herald.signUp();
  const url = `${PRODUCTS}/${product.id}/stock-adjustments`;
  for (const [who, as, status] of [['anonymous', 'anonymous', 401], ['a user', user.accessToken, 403]] as const) {
    for (const body of [{ id, delta: -1, reason: 'sale' }, { id, delta: -9, reason: 'other' }]) {
      const response = await herald.request({ method: 'POST', url, as, body });
      t.equal(response.statusCode, status, `${who}, ${body.delta}: ${status}`);
      t.match(response.headers['content-type'], /^application\/problem\+json/);
    }
  }
  t.equal(await stockOf(product.id), 19, 'nothing applied');
});
