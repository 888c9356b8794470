import t from 'tap';
import { startTestHerald, validProduct } from './helpers/herald.js';

/** Products through the REST surface: representation, reads, listing, writes and their preconditions. */

const PRODUCTS = '/api/v1/products';
const UNKNOWN_ID = '01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MAX_STOCK = 2_147_483_647;

interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  stock: number;
  low_stock_threshold: number;
  low_stock: boolean;
  created_at: string;
  updated_at: string;
  version: number;
}

const herald = await startTestHerald(t);

async function create(overrides: Record<string, unknown> = {}): Promise<Product> {
  const response = await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct(overrides) });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return response.json<Product>();
}
const get = (id: string, headers?: Record<string, string>) => herald.request({ method: 'GET', url: `${PRODUCTS}/${id}`, headers });
const patch = (id: string, body: unknown, headers?: Record<string, string>) =>
  herald.request({ method: 'PATCH', url: `${PRODUCTS}/${id}`, body, headers });
const adjust = (id: string, delta: number, reason = 'stock count') =>
  herald.request({ method: 'POST', url: `${PRODUCTS}/${id}/stock-adjustments`, body: { delta, reason } });
const outboxSize = async () => (await herald.pool.query<{ n: number }>('select count(*)::int as n from outbox')).rows[0]!.n;

t.test('creating a product answers 201 with the product, its Location and its ETag', async (t) => {
  const body = validProduct({ sku: 'TEA-SENCHA-100G', name: 'Sencha', description: 'Green tea, 100 g', price: { amount: 1290, currency: 'JPY' }, stock: 40, low_stock_threshold: 5 });
  const response = await herald.request({ method: 'POST', url: PRODUCTS, body });
  t.equal(response.statusCode, 201);
  t.match(response.headers['content-type'], /^application\/json/);
  const product = response.json<Product>();
  t.match(product.id, UUID, 'the id is a UUIDv7');
  t.equal(response.headers.location, `${PRODUCTS}/${product.id}`);
  t.equal(response.headers.etag, '"1"');
  t.strictSame(
    { ...product, id: undefined, created_at: undefined, updated_at: undefined },
    { ...body, id: undefined, low_stock: false, version: 1, created_at: undefined, updated_at: undefined },
    'the product holds what was sent, at version 1',
  );
  t.equal(product.created_at, product.updated_at, 'created and updated at the same instant');
  t.ok(Math.abs(Date.parse(product.created_at) - Date.now()) < 60_000, 'created_at is now');

  const read = await herald.request({ method: 'GET', url: response.headers.location as string });
  t.equal(read.statusCode, 200, 'Location points at the product');
  t.strictSame(read.json(), product);
});

t.test('a product created without description or low_stock_threshold gets "" and 10', async (t) => {
  const response = await herald.request({
    method: 'POST',
    url: PRODUCTS,
    body: { sku: 'TEA-DEFAULTS', name: 'Defaults', price: { amount: 100, currency: 'EUR' }, stock: 11 },
  });
  t.equal(response.statusCode, 201);
  const product = response.json<Product>();
  t.equal(product.description, '');
  t.equal(product.low_stock_threshold, 10);
  t.equal(product.low_stock, false, '11 is above the default threshold');
});

t.test('low_stock says whether stock is at or below the threshold', async (t) => {
  t.equal((await create({ stock: 9, low_stock_threshold: 10 })).low_stock, true, 'below');
  t.equal((await create({ stock: 10, low_stock_threshold: 10 })).low_stock, true, 'at');
  t.equal((await create({ stock: 11, low_stock_threshold: 10 })).low_stock, false, 'above');
  t.equal((await create({ stock: 0, low_stock_threshold: 0 })).low_stock, true, 'empty with a zero threshold');
});

t.test('the extremes of the contract are stored exactly', async (t) => {
  const product = await create({
    sku: 'S'.repeat(64),
    name: 'n'.repeat(200),
    description: 'd'.repeat(2000),
    price: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' },
    stock: MAX_STOCK,
    low_stock_threshold: MAX_STOCK,
  });
  const read = (await get(product.id)).json<Product>();
  t.equal(read.price.amount, Number.MAX_SAFE_INTEGER, 'the largest amount survives the bigint column');
  t.equal(read.stock, MAX_STOCK);
  t.equal(read.sku.length, 64);
  t.equal(read.name.length, 200);
  t.equal(read.description.length, 2000);
  const zero = await create({ price: { amount: 0, currency: 'EUR' }, stock: 0, low_stock_threshold: 0 });
  t.equal(zero.price.amount, 0, 'a free product');
});

t.test('text outside the Basic Multilingual Plane is stored as sent', async (t) => {
  const product = await create({ name: 'Matcha 🍵 抹茶', description: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — ok' });
  const read = (await get(product.id)).json<Product>();
  t.equal(read.name, 'Matcha 🍵 抹茶');
  t.equal(read.description, '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — ok');
});

t.test('a product reads back by id, with its ETag', async (t) => {
  const product = await create();
  const response = await get(product.id);
  t.equal(response.statusCode, 200);
  t.equal(response.headers.etag, '"1"');
  t.strictSame(response.json(), product);
});

t.test('an unknown id is a 404 problem', async (t) => {
  for (const [method, url] of [
    ['GET', `${PRODUCTS}/${UNKNOWN_ID}`],
    ['PATCH', `${PRODUCTS}/${UNKNOWN_ID}`],
    ['DELETE', `${PRODUCTS}/${UNKNOWN_ID}`],
    ['POST', `${PRODUCTS}/${UNKNOWN_ID}/stock-adjustments`],
  ] as const) {
    const response = await herald.request({
      method,
      url,
      ...(method === 'PATCH' ? { body: { name: 'x' } } : method === 'POST' ? { body: { delta: 1, reason: 'count' } } : {}),
    });
    t.equal(response.statusCode, 404, `${method} ${url}`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.match(response.json(), { type: 'urn:herald:problem:not-found', status: 404, detail: new RegExp(UNKNOWN_ID), instance: url });
  }
});

t.test('If-None-Match with the current ETag answers 304 without a body; an older one gets the product', async (t) => {
  const product = await create();
  const notModified = await get(product.id, { 'if-none-match': '"1"' });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '');
  t.equal(notModified.headers.etag, '"1"', 'a 304 still names the current version');

  t.equal((await get(product.id, { 'if-none-match': 'W/"1"' })).statusCode, 304, 'compared weakly');
  t.equal((await get(product.id, { 'if-none-match': '*' })).statusCode, 304);

  await patch(product.id, { name: 'Renamed' });
  const changed = await get(product.id, { 'if-none-match': '"1"' });
  t.equal(changed.statusCode, 200, 'after a change the old tag no longer matches');
  t.equal(changed.headers.etag, '"2"');
  t.equal(changed.json<Product>().name, 'Renamed');
});

t.test('PATCH changes the given fields only, bumps version and ETag, and moves updated_at', async (t) => {
  const product = await create({ stock: 30, low_stock_threshold: 5 });
  const response = await patch(product.id, { name: 'Gyokuro', price: { amount: 2500, currency: 'EUR' } });
  t.equal(response.statusCode, 200);
  t.equal(response.headers.etag, '"2"');
  const updated = response.json<Product>();
  t.strictSame(
    { ...updated, updated_at: undefined },
    { ...product, name: 'Gyokuro', price: { amount: 2500, currency: 'EUR' }, version: 2, updated_at: undefined },
    'only name and price changed',
  );
  t.ok(Date.parse(updated.updated_at) >= Date.parse(product.updated_at), 'updated_at moves forward');
  t.equal(updated.created_at, product.created_at, 'created_at stays');
  t.strictSame((await get(product.id)).json(), updated, 'the change is stored');
});

t.test('PATCH accepts application/merge-patch+json', async (t) => {
  const product = await create();
  const response = await herald.request({
    method: 'PATCH',
    url: `${PRODUCTS}/${product.id}`,
    body: { description: 'merge-patched' },
    headers: { 'content-type': 'application/merge-patch+json' },
  });
  t.equal(response.statusCode, 200);
  t.equal(response.json<Product>().description, 'merge-patched');
});

t.test('PATCH of the threshold recomputes low_stock', async (t) => {
  const product = await create({ stock: 8, low_stock_threshold: 5 });
  t.equal(product.low_stock, false);
  t.equal((await patch(product.id, { low_stock_threshold: 8 })).json<Product>().low_stock, true);
  t.equal((await patch(product.id, { low_stock_threshold: 7 })).json<Product>().low_stock, false);
});

t.test('PATCH with the values the product already has changes nothing: same version, same ETag, no event', async (t) => {
  const product = await create();
  const events = await outboxSize();
  const response = await patch(product.id, {
    sku: product.sku,
    name: product.name,
    description: product.description,
    price: product.price,
    low_stock_threshold: product.low_stock_threshold,
  });
  t.equal(response.statusCode, 200);
  t.equal(response.headers.etag, '"1"');
  t.strictSame(response.json(), product, 'the product is returned unchanged, updated_at included');
  t.equal(await outboxSize(), events, 'no ProductUpdated was written');
});

t.test('If-Match with the current ETag lets a PATCH through; a stale one is a 412 that changes nothing', async (t) => {
  const product = await create();
  const first = await patch(product.id, { name: 'First' }, { 'if-match': '"1"' });
  t.equal(first.statusCode, 200);
  t.equal(first.headers.etag, '"2"');

  const events = await outboxSize();
  const stale = await patch(product.id, { name: 'Lost update' }, { 'if-match': '"1"' });
  t.equal(stale.statusCode, 412);
  t.match(stale.headers['content-type'], /^application\/problem\+json/);
  t.equal(stale.json().type, 'urn:herald:problem:precondition-failed');
  t.equal((await get(product.id)).json<Product>().name, 'First', 'the stale write did not apply');
  t.equal(await outboxSize(), events, 'and wrote no event');

  t.equal((await patch(product.id, { name: 'Weak' }, { 'if-match': 'W/"2"' })).statusCode, 412, 'a weak tag never matches');
  t.equal((await patch(product.id, { name: 'Listed' }, { 'if-match': '"1", "2"' })).statusCode, 200, 'a list holding the current tag matches');
  t.equal((await patch(product.id, { name: 'Any' }, { 'if-match': '*' })).statusCode, 200, '* matches any version');
  t.equal((await get(product.id)).json<Product>().version, 4);
});

t.test('a stale If-Match is a 412 even when the PATCH would change nothing', async (t) => {
  const product = await create();
  await patch(product.id, { name: 'Changed' });
  t.equal((await patch(product.id, { name: 'Changed' }, { 'if-match': '"1"' })).statusCode, 412);
});

t.test('DELETE answers 204; the product is then 404 and no longer listed', async (t) => {
  const product = await create();
  const response = await herald.request({ method: 'DELETE', url: `${PRODUCTS}/${product.id}` });
  t.equal(response.statusCode, 204);
  t.equal(response.body, '');
  t.equal((await get(product.id)).statusCode, 404);
  const listed = (await herald.request({ method: 'GET', url: `${PRODUCTS}?limit=100` })).json<{ items: Product[] }>();
  t.notOk(listed.items.some((p) => p.id === product.id));
  t.equal((await herald.request({ method: 'DELETE', url: `${PRODUCTS}/${product.id}` })).statusCode, 404, 'a second DELETE is a 404');
  t.equal((await adjust(product.id, 1)).statusCode, 404, 'a deleted product takes no adjustments');
});

t.test('DELETE with a stale If-Match is a 412 and the product stays; with the current one it goes', async (t) => {
  const product = await create();
  await patch(product.id, { name: 'Version 2' });
  const stale = await herald.request({ method: 'DELETE', url: `${PRODUCTS}/${product.id}`, headers: { 'if-match': '"1"' } });
  t.equal(stale.statusCode, 412);
  t.equal(stale.json().type, 'urn:herald:problem:precondition-failed');
  t.equal((await get(product.id)).statusCode, 200, 'still there');
  const current = await herald.request({ method: 'DELETE', url: `${PRODUCTS}/${product.id}`, headers: { 'if-match': '"2"' } });
  t.equal(current.statusCode, 204);
  t.equal((await get(product.id)).statusCode, 404);
});

t.test('a sku can be reused once its product is deleted', async (t) => {
  const product = await create({ sku: 'TEA-REUSED' });
  await herald.request({ method: 'DELETE', url: `${PRODUCTS}/${product.id}` });
  t.equal((await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'TEA-REUSED' }) })).statusCode, 201);
});

t.test('creating a product with a sku already in use is a 409 naming sku, and writes nothing', async (t) => {
  const first = await create({ sku: 'TEA-DUPLICATE' });
  const events = await outboxSize();
  const response = await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'TEA-DUPLICATE', name: 'Second' }) });
  t.equal(response.statusCode, 409);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.match(response.json(), { type: 'urn:herald:problem:duplicate-sku', status: 409, errors: [{ in: 'body', field: 'sku' }] });
  t.equal(await outboxSize(), events, 'no event was written');
  t.strictSame((await get(first.id)).json(), first, 'the first product is untouched');
});

t.test('skus are case-sensitive', async (t) => {
  await create({ sku: 'tea-case' });
  t.equal((await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'TEA-CASE' }) })).statusCode, 201);
});

t.test("PATCH to another product's sku is a 409 naming sku, and changes nothing", async (t) => {
  const taken = await create({ sku: 'TEA-TAKEN' });
  const product = await create({ sku: 'TEA-MINE' });
  const events = await outboxSize();
  const response = await patch(product.id, { sku: 'TEA-TAKEN', name: 'Renamed too' });
  t.equal(response.statusCode, 409);
  t.match(response.json(), { type: 'urn:herald:problem:duplicate-sku', errors: [{ in: 'body', field: 'sku' }] });
  t.strictSame((await get(product.id)).json(), product, 'neither sku nor name changed');
  t.strictSame((await get(taken.id)).json(), taken);
  t.equal(await outboxSize(), events, 'no event was written');
});

t.test('stock adjustments: +5 then -3 record stock before and after and bump the version', async (t) => {
  const product = await create({ stock: 10, low_stock_threshold: 2 });
  const up = await adjust(product.id, 5, 'delivery');
  t.equal(up.statusCode, 201);
  t.equal(up.headers.etag, '"2"', 'the ETag of the product after the adjustment');
  const first = up.json();
  t.match(first.id, UUID);
  t.match(first, { product_id: product.id, delta: 5, reason: 'delivery', stock_before: 10, stock_after: 15 });
  t.match(first.product, { id: product.id, stock: 15, version: 2 });
  t.equal(first.created_at, first.product.updated_at, 'the adjustment and the product change share their instant');

  const down = await adjust(product.id, -3, 'sale');
  t.equal(down.statusCode, 201);
  t.match(down.json(), { delta: -3, reason: 'sale', stock_before: 15, stock_after: 12, product: { stock: 12, version: 3 } });

  const read = (await get(product.id)).json<Product>();
  t.equal(read.stock, 12);
  t.equal(read.version, 3);
  const { rows } = await herald.pool.query('select delta, stock_before, stock_after, reason from stock_adjustments where product_id = $1 order by created_at', [product.id]);
  t.strictSame(rows, [
    { delta: 5, stock_before: 10, stock_after: 15, reason: 'delivery' },
    { delta: -3, stock_before: 15, stock_after: 12, reason: 'sale' },
  ], 'each adjustment is recorded');
});

t.test('an adjustment recomputes low_stock', async (t) => {
  const product = await create({ stock: 11, low_stock_threshold: 10 });
  t.equal((await adjust(product.id, -1)).json().product.low_stock, true);
  t.equal((await adjust(product.id, 1)).json().product.low_stock, false);
});

t.test('removing more than is in stock is a 409 insufficient-stock naming delta; stock and version stay', async (t) => {
  const product = await create({ stock: 4 });
  const events = await outboxSize();
  const response = await adjust(product.id, -5);
  t.equal(response.statusCode, 409);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.match(response.json(), { type: 'urn:herald:problem:insufficient-stock', errors: [{ in: 'body', field: 'delta' }] });
  t.strictSame((await get(product.id)).json(), product, 'unchanged');
  t.equal(await outboxSize(), events, 'no event was written');

  const all = await adjust(product.id, -4);
  t.equal(all.statusCode, 201, 'removing exactly what is there is allowed');
  t.equal(all.json().stock_after, 0);
  t.equal((await adjust(product.id, -1)).statusCode, 409, 'and then nothing more');
});

t.test('adding beyond 2147483647 is a 409 stock-limit; stock and version stay', async (t) => {
  const product = await create({ stock: MAX_STOCK - 10 });
  const response = await adjust(product.id, 11);
  t.equal(response.statusCode, 409);
  t.match(response.json(), { type: 'urn:herald:problem:stock-limit', errors: [{ in: 'body', field: 'delta' }] });
  t.strictSame((await get(product.id)).json(), product, 'unchanged');

  const largest = await adjust(product.id, 10);
  t.equal(largest.statusCode, 201, 'reaching the maximum exactly is allowed');
  t.equal(largest.json().stock_after, MAX_STOCK);

  const empty = await create({ stock: 0 });
  t.equal((await adjust(empty.id, MAX_STOCK)).statusCode, 201, 'the largest delta fills an empty product');
  t.equal((await adjust(empty.id, -MAX_STOCK)).json().stock_after, 0, 'and the smallest empties it');
});

t.test('x-request-id is echoed when the caller sends one and generated when not', async (t) => {
  const product = await create();
  const given = await get(product.id, { 'x-request-id': 'checkout-42.retry:1' });
  t.equal(given.headers['x-request-id'], 'checkout-42.retry:1');
  const generated = await get(product.id);
  t.match(generated.headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.not((await get(product.id)).headers['x-request-id'], generated.headers['x-request-id'], 'a new one per request');
  const problem = await get(UNKNOWN_ID, { 'x-request-id': 'not-found-1' });
  t.equal(problem.statusCode, 404);
  t.equal(problem.headers['x-request-id'], 'not-found-1', 'on problems too');
  const refused = await herald.request({ method: 'POST', url: PRODUCTS, body: {}, headers: { 'x-request-id': 'refused-1' } });
  t.equal(refused.headers['x-request-id'], 'refused-1', 'and on validation failures');
});

t.test('an x-request-id that is not a safe token is replaced by a generated one', async (t) => {
  const product = await create();
  for (const unsafe of ['has spaces', 'x'.repeat(129), '<script>']) {
    const response = await get(product.id, { 'x-request-id': unsafe });
    t.not(response.headers['x-request-id'], unsafe, `${JSON.stringify(unsafe.slice(0, 20))} is not echoed`);
  }
});

t.test('listing', async (t) => {
  // A database of its own: listings see every product, so no other test may add any.
  const listing = await startTestHerald(t);
  const list = async (query: string) => {
    const response = await listing.request({ method: 'GET', url: `${PRODUCTS}${query}` });
    if (response.statusCode !== 200) throw new Error(`GET ${PRODUCTS}${query}: ${response.statusCode} ${response.body}`);
    return response.json<{ items: Product[]; next_cursor: string | null }>();
  };
  t.strictSame(await list(''), { items: [], next_cursor: null }, 'an empty catalogue lists nothing');

  // 25 products, every third one low on stock (9 low, 16 healthy), created one after another.
  const created: Product[] = [];
  for (let i = 0; i < 25; i++) {
    const response = await listing.request({
      method: 'POST',
      url: PRODUCTS,
      body: validProduct({ sku: `LIST-${String(i).padStart(2, '0')}`, stock: i % 3 === 0 ? 2 : 50, low_stock_threshold: 5 }),
    });
    created.push(response.json<Product>());
  }

  t.test('pages of 10 over 25 products are 10, 10 and 5, oldest first, with no repeats, the last without next_cursor', async (t) => {
    const pages: Product[][] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.items);
      cursor = page.next_cursor;
      if (cursor !== null) t.match(cursor, /^[A-Za-z0-9_-]{1,200}$/, 'the cursor fits the contract');
    } while (cursor !== null && pages.length < 10);
    t.same(pages.map((p) => p.length), [10, 10, 5]);
    t.strictSame(pages.flat().map((p) => p.id), created.map((p) => p.id), 'every product once, in creation order');
    t.strictSame(pages.flat(), created, 'items are full products');
  });

  t.test('a page that ends on the last product has next_cursor null', async (t) => {
    const first = await list('?limit=20');
    const second = await list(`?limit=5&cursor=${first.next_cursor}`);
    t.equal(second.items.length, 5);
    t.equal(second.next_cursor, null, 'no empty page to follow');
    t.equal((await list('?limit=25')).next_cursor, null);
    t.equal((await list('?limit=100')).items.length, 25);
  });

  t.test('limit defaults to 20', async (t) => {
    const page = await list('');
    t.equal(page.items.length, 20);
    t.type(page.next_cursor, 'string');
  });

  t.test('a cursor keeps its place when products are deleted or created meanwhile', async (t) => {
    const first = await list('?limit=10');
    // Delete the first product of the next page and create a new one: the next page starts right
    // after the last product seen, skips nothing that still exists, and repeats nothing.
    const doomed = created[10]!;
    await listing.request({ method: 'DELETE', url: `${PRODUCTS}/${doomed.id}` });
    const newcomer = (await listing.request({ method: 'POST', url: PRODUCTS, body: validProduct({ stock: 50 }) })).json<Product>();
    const rest: Product[] = [];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = await list(`?limit=10&cursor=${cursor}`);
      rest.push(...page.items);
      cursor = page.next_cursor;
    }
    t.strictSame(rest.map((p) => p.id), [...created.slice(11).map((p) => p.id), newcomer.id]);
    created.splice(10, 1);
    await listing.request({ method: 'DELETE', url: `${PRODUCTS}/${newcomer.id}` });
  });

  t.test('low_stock=true lists only products at or below their threshold, low_stock=false only the others', async (t) => {
    const low = await list('?low_stock=true&limit=100');
    const healthy = await list('?low_stock=false&limit=100');
    t.strictSame(low.items.map((p) => p.id), created.filter((p) => p.low_stock).map((p) => p.id));
    t.strictSame(healthy.items.map((p) => p.id), created.filter((p) => !p.low_stock).map((p) => p.id));
    t.ok(low.items.length > 0 && healthy.items.length > 0, 'both filters select something');
    t.ok(low.items.every((p) => p.low_stock && p.stock <= p.low_stock_threshold));
    t.ok(healthy.items.every((p) => !p.low_stock && p.stock > p.low_stock_threshold));
  });

  t.test('the low_stock filter pages with its cursor', async (t) => {
    const first = await list('?low_stock=true&limit=3');
    t.equal(first.items.length, 3);
    const second = await list(`?low_stock=true&limit=3&cursor=${first.next_cursor}`);
    const expected = created.filter((p) => p.low_stock).map((p) => p.id);
    t.strictSame([...first.items, ...second.items].map((p) => p.id), expected.slice(0, 6));
  });

  t.test('the low_stock filter follows adjustments', async (t) => {
    const healthy = created.find((p) => !p.low_stock)!;
    await listing.request({ method: 'POST', url: `${PRODUCTS}/${healthy.id}/stock-adjustments`, body: { delta: -48, reason: 'sale' } });
    t.ok((await list('?low_stock=true&limit=100')).items.some((p) => p.id === healthy.id));
    t.notOk((await list('?low_stock=false&limit=100')).items.some((p) => p.id === healthy.id));
  });
});
