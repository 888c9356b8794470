import t from 'tap';
import { startTestHerald, validProduct } from './helpers/herald.js';

/**
 * Every rule of openapi.yaml is enforced before anything is written: a request that breaks one is a
 * 400 `application/problem+json` whose `errors[]` names each offending field (`in` + `field`),
 * never a 5xx and never a partial write. The last section sends generated malformed requests.
 */

const PRODUCTS = '/api/v1/products';
/** A well-formed id no product has: requests that get past validation would answer 404, not 400. */
const UNKNOWN_ID = '01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b';
const product = `${PRODUCTS}/${UNKNOWN_ID}`;
const adjustments = `${product}/stock-adjustments`;

type Location = 'body' | 'query' | 'path' | 'header';
interface FieldError {
  in: Location;
  field: string;
  message: string;
}

const herald = await startTestHerald(t);

const without = (field: string) => {
  const body: Record<string, unknown> = validProduct();
  delete body[field];
  return body;
};
const withPrice = (price: Record<string, unknown>) => validProduct({ price: { amount: 450, currency: 'EUR', ...price } });
/** A JSON body text with one raw value spliced in (for numbers JSON.stringify cannot write). */
const rawWith = (field: string, raw: string) => JSON.stringify({ ...validProduct(), [field]: '@@' }).replace('"@@"', raw);

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Fields `errors[]` must name, as `in field`. */
  names: string[];
  /** The fields named must be exactly these (default: at least these). */
  exactly?: boolean;
}

const cases: Case[] = [
  // createProduct
  ...['sku', 'name', 'price', 'stock'].map((field): Case => ({
    name: `creating a product without ${field}`,
    method: 'POST',
    url: PRODUCTS,
    body: without(field),
    names: [`body ${field}`],
    exactly: true,
  })),
  { name: 'a sku with a space', method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'TEA GREEN' }), names: ['body sku'] },
  { name: 'a sku of 65 characters', method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'S'.repeat(65) }), names: ['body sku'] },
  { name: 'an empty sku', method: 'POST', url: PRODUCTS, body: validProduct({ sku: '' }), names: ['body sku'] },
  { name: 'a sku with non-ASCII letters', method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'THÉ-VERT' }), names: ['body sku'] },
  { name: 'an empty name', method: 'POST', url: PRODUCTS, body: validProduct({ name: '' }), names: ['body name'] },
  { name: 'a name of 201 characters', method: 'POST', url: PRODUCTS, body: validProduct({ name: 'n'.repeat(201) }), names: ['body name'] },
  { name: 'a name holding a NUL character', method: 'POST', url: PRODUCTS, body: validProduct({ name: 'Green\u0000tea' }), names: ['body name'] },
  // PostgreSQL text cannot hold an unpaired UTF-16 surrogate; it would be stored as U+FFFD, not as sent.
  { name: 'a name holding an unpaired surrogate', method: 'POST', url: PRODUCTS, body: validProduct({ name: 'Green tea \ud83c' }), names: ['body name'] },
  { name: 'a description holding an unpaired surrogate', method: 'POST', url: PRODUCTS, body: validProduct({ description: '\udfff' }), names: ['body description'] },
  { name: 'a description of 2001 characters', method: 'POST', url: PRODUCTS, body: validProduct({ description: 'd'.repeat(2001) }), names: ['body description'] },
  { name: 'a description holding a NUL character', method: 'POST', url: PRODUCTS, body: validProduct({ description: '\u0000' }), names: ['body description'] },
  { name: 'a negative price', method: 'POST', url: PRODUCTS, body: withPrice({ amount: -1 }), names: ['body price.amount'] },
  { name: 'a fractional price (amounts are minor units)', method: 'POST', url: PRODUCTS, body: withPrice({ amount: 4.5 }), names: ['body price.amount'] },
  { name: 'a price amount given as a string', method: 'POST', url: PRODUCTS, body: withPrice({ amount: '450' }), names: ['body price.amount'] },
  { name: 'a price amount above Number.MAX_SAFE_INTEGER', method: 'POST', url: PRODUCTS, body: JSON.stringify(withPrice({})).replace('"amount":450', '"amount":9007199254740992'), names: ['body price.amount'] },
  { name: 'a price amount too large for a double', method: 'POST', url: PRODUCTS, body: JSON.stringify(withPrice({})).replace('"amount":450', '"amount":1e400'), names: ['body price.amount'] },
  { name: 'a lower-case currency', method: 'POST', url: PRODUCTS, body: withPrice({ currency: 'eur' }), names: ['body price.currency'] },
  { name: 'a currency that is not an ISO 4217 code', method: 'POST', url: PRODUCTS, body: withPrice({ currency: 'XXY' }), names: ['body price.currency'] },
  { name: 'a price without currency', method: 'POST', url: PRODUCTS, body: validProduct({ price: { amount: 450 } }), names: ['body price.currency'], exactly: true },
  { name: 'a price without amount', method: 'POST', url: PRODUCTS, body: validProduct({ price: { currency: 'EUR' } }), names: ['body price.amount'], exactly: true },
  { name: 'an unknown field inside price', method: 'POST', url: PRODUCTS, body: withPrice({ vat: 20 }), names: ['body price.vat'], exactly: true },
  { name: 'a negative stock', method: 'POST', url: PRODUCTS, body: validProduct({ stock: -1 }), names: ['body stock'] },
  { name: 'a fractional stock', method: 'POST', url: PRODUCTS, body: validProduct({ stock: 2.5 }), names: ['body stock'] },
  { name: 'a stock of "5" (bodies are not coerced)', method: 'POST', url: PRODUCTS, body: validProduct({ stock: '5' }), names: ['body stock'] },
  { name: 'a stock of true (bodies are not coerced)', method: 'POST', url: PRODUCTS, body: validProduct({ stock: true }), names: ['body stock'] },
  { name: 'a stock of null', method: 'POST', url: PRODUCTS, body: validProduct({ stock: null }), names: ['body stock'] },
  { name: 'a stock above 2147483647', method: 'POST', url: PRODUCTS, body: validProduct({ stock: 2_147_483_648 }), names: ['body stock'] },
  { name: 'a stock of 1e400', method: 'POST', url: PRODUCTS, body: rawWith('stock', '1e400'), names: ['body stock'] },
  { name: 'a negative low_stock_threshold', method: 'POST', url: PRODUCTS, body: validProduct({ low_stock_threshold: -1 }), names: ['body low_stock_threshold'] },
  { name: 'a low_stock_threshold above 2147483647', method: 'POST', url: PRODUCTS, body: validProduct({ low_stock_threshold: 2_147_483_648 }), names: ['body low_stock_threshold'] },
  { name: 'an unknown field', method: 'POST', url: PRODUCTS, body: validProduct({ colour: 'green' }), names: ['body colour'], exactly: true },
  { name: 'a version (server-managed)', method: 'POST', url: PRODUCTS, body: validProduct({ version: 7 }), names: ['body version'], exactly: true },
  {
    name: 'several bad fields at once',
    method: 'POST',
    url: PRODUCTS,
    body: { sku: 'a b', name: '', price: { amount: -1, currency: 'eur' }, stock: '5', low_stock_threshold: 1.5, colour: 'green' },
    names: ['body sku', 'body name', 'body price.amount', 'body price.currency', 'body stock', 'body low_stock_threshold', 'body colour'],
    exactly: true,
  },
  { name: 'a JSON array as body', method: 'POST', url: PRODUCTS, body: [validProduct()], names: ['body (body)'] },
  { name: 'JSON null as body', method: 'POST', url: PRODUCTS, body: 'null', names: ['body (body)'] },

  // updateProduct
  { name: 'an empty PATCH', method: 'PATCH', url: product, body: {}, names: ['body (body)'], exactly: true },
  { name: 'a PATCH with a negative stock', method: 'PATCH', url: product, body: { stock: -1 }, names: ['body stock'], exactly: true },
  { name: 'a PATCH with a stock above 2147483647', method: 'PATCH', url: product, body: { stock: 2_147_483_648 }, names: ['body stock'], exactly: true },
  { name: 'a PATCH with a stock_reason but no stock', method: 'PATCH', url: product, body: { name: 'x', stock_reason: 'count' }, names: ['body stock_reason'], exactly: true },
  { name: 'a PATCH with an empty stock_reason', method: 'PATCH', url: product, body: { stock: 3, stock_reason: '' }, names: ['body stock_reason'], exactly: true },
  { name: 'a PATCH of id', method: 'PATCH', url: product, body: { id: UNKNOWN_ID }, names: ['body id'], exactly: true },
  { name: 'a PATCH with null for a field (there is no removing one)', method: 'PATCH', url: product, body: { description: null }, names: ['body description'] },
  { name: 'a PATCH of price without its currency', method: 'PATCH', url: product, body: { price: { amount: 5 } }, names: ['body price.currency'] },
  { name: 'a PATCH with a bad sku', method: 'PATCH', url: product, body: { sku: 'no spaces' }, names: ['body sku'] },
  { name: 'a PATCH with a negative low_stock_threshold', method: 'PATCH', url: product, body: { low_stock_threshold: -3 }, names: ['body low_stock_threshold'] },
  { name: 'an empty If-Match', method: 'PATCH', url: product, body: { name: 'x' }, headers: { 'if-match': '' }, names: ['header if-match'] },
  { name: 'an If-Match of 201 characters', method: 'PATCH', url: product, body: { name: 'x' }, headers: { 'if-match': `"${'1'.repeat(199)}"` }, names: ['header if-match'] },
  { name: 'an If-Match of 201 characters on DELETE', method: 'DELETE', url: product, headers: { 'if-match': `"${'1'.repeat(199)}"` }, names: ['header if-match'] },
  { name: 'an If-None-Match of 201 characters', method: 'GET', url: product, headers: { 'if-none-match': `"${'1'.repeat(199)}"` }, names: ['header if-none-match'] },

  // adjustStock
  { name: 'a stock adjustment of 0', method: 'POST', url: adjustments, body: { delta: 0, reason: 'count' }, names: ['body delta'], exactly: true },
  { name: 'a fractional stock adjustment', method: 'POST', url: adjustments, body: { delta: 1.5, reason: 'count' }, names: ['body delta'], exactly: true },
  { name: 'a stock adjustment given as a string', method: 'POST', url: adjustments, body: { delta: '-1', reason: 'count' }, names: ['body delta'], exactly: true },
  { name: 'a stock adjustment beyond the range of a stock level', method: 'POST', url: adjustments, body: { delta: -2_147_483_648, reason: 'count' }, names: ['body delta'], exactly: true },
  { name: 'a stock adjustment without delta', method: 'POST', url: adjustments, body: { reason: 'count' }, names: ['body delta'], exactly: true },
  { name: 'a stock adjustment without reason', method: 'POST', url: adjustments, body: { delta: 1 }, names: ['body reason'], exactly: true },
  { name: 'a stock adjustment with an empty reason', method: 'POST', url: adjustments, body: { delta: 1, reason: '' }, names: ['body reason'], exactly: true },
  { name: 'a stock adjustment with a reason of 501 characters', method: 'POST', url: adjustments, body: { delta: 1, reason: 'r'.repeat(501) }, names: ['body reason'], exactly: true },
  { name: 'a stock adjustment with a NUL in its reason', method: 'POST', url: adjustments, body: { delta: 1, reason: 'a\u0000b' }, names: ['body reason'], exactly: true },
  { name: 'a stock adjustment with an unpaired surrogate in its reason', method: 'POST', url: adjustments, body: { delta: 1, reason: 'broken \ud800' }, names: ['body reason'], exactly: true },
  { name: 'a stock adjustment with an unknown field', method: 'POST', url: adjustments, body: { delta: 1, reason: 'count', stock: 3 }, names: ['body stock'], exactly: true },
  { name: 'a stock adjustment with everything wrong', method: 'POST', url: adjustments, body: { delta: 0, reason: '', by: 'me' }, names: ['body delta', 'body reason', 'body by'], exactly: true },

  // the product id in the path
  ...(
    [
      ['GET', `${PRODUCTS}/42`],
      ['PATCH', `${PRODUCTS}/not-a-uuid`],
      ['DELETE', `${PRODUCTS}/${UNKNOWN_ID}x`],
      ['POST', `${PRODUCTS}/${UNKNOWN_ID.replace(/-/g, '')}/stock-adjustments`],
    ] as const
  ).map(([method, url]): Case => ({
    name: `${method} ${url.slice(PRODUCTS.length)} (the id is not a uuid)`,
    method,
    url,
    ...(method === 'PATCH' ? { body: { name: 'x' } } : method === 'POST' ? { body: { delta: 1, reason: 'count' } } : {}),
    names: ['path id'],
    exactly: true,
  })),

  // listProducts
  { name: 'limit=0', method: 'GET', url: `${PRODUCTS}?limit=0`, names: ['query limit'], exactly: true },
  { name: 'limit=101', method: 'GET', url: `${PRODUCTS}?limit=101`, names: ['query limit'], exactly: true },
  { name: 'limit=abc', method: 'GET', url: `${PRODUCTS}?limit=abc`, names: ['query limit'], exactly: true },
  { name: 'limit=2.5', method: 'GET', url: `${PRODUCTS}?limit=2.5`, names: ['query limit'], exactly: true },
  { name: 'an unknown query parameter', method: 'GET', url: `${PRODUCTS}?lowstock=true`, names: ['query lowstock'], exactly: true },
  { name: 'low_stock=maybe', method: 'GET', url: `${PRODUCTS}?low_stock=maybe`, names: ['query low_stock'], exactly: true },
  { name: 'a garbage cursor', method: 'GET', url: `${PRODUCTS}?cursor=${encodeURIComponent('not a cursor!')}`, names: ['query cursor'] },
  { name: 'a cursor of 201 characters', method: 'GET', url: `${PRODUCTS}?cursor=${'a'.repeat(201)}`, names: ['query cursor'] },
  { name: 'a base64url cursor that is not JSON', method: 'GET', url: `${PRODUCTS}?cursor=${Buffer.from('page 2').toString('base64url')}`, names: ['query cursor'], exactly: true },
  { name: 'a base64url cursor of JSON that is not ours', method: 'GET', url: `${PRODUCTS}?cursor=${Buffer.from('{"page":2}').toString('base64url')}`, names: ['query cursor'], exactly: true },
  { name: 'a base64url cursor after something that is not a product id', method: 'GET', url: `${PRODUCTS}?cursor=${Buffer.from('{"after":"1 OR 1=1"}').toString('base64url')}`, names: ['query cursor'], exactly: true },
];

for (const c of cases) {
  t.test(`${c.name} is a 400 problem naming ${c.names.join(', ')}`, async (t) => {
    const response = await herald.request({ method: c.method, url: c.url, body: c.body, headers: c.headers });
    t.equal(response.statusCode, 400, response.body);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = response.json<{ type: string; status: number; title: string; detail: string; errors?: FieldError[] }>();
    t.equal(problem.status, 400);
    t.match(problem.type, /^urn:herald:problem:(validation-failed|invalid-cursor)$/);
    t.type(problem.title, 'string');
    const named = (problem.errors ?? []).map((e) => `${e.in} ${e.field}`);
    for (const expected of c.names) t.ok(named.includes(expected), `errors[] names ${expected} (got ${named.join(', ')})`);
    if (c.exactly) t.same([...new Set(named)].sort(), [...c.names].sort(), 'and nothing else');
    t.ok((problem.errors ?? []).every((e) => typeof e.message === 'string' && e.message.length > 0), 'each with a message');
  });
}

t.test('a request that breaks rules in several places names every field, path first and body last', async (t) => {
  const response = await herald.request({ method: 'PATCH', url: `${PRODUCTS}/not-a-uuid`, body: { stock: -1, name: '' }, headers: { 'if-match': '' } });
  t.equal(response.statusCode, 400);
  t.same(
    response.json().errors.map((e: FieldError) => `${e.in} ${e.field}`),
    ['path id', 'header if-match', 'body name', 'body stock'],
  );
});

interface TransportCase {
  name: string;
  status: number;
  type: string;
  body?: string;
  contentType?: string;
  method?: 'GET' | 'POST';
  url?: string;
}

const transport: TransportCase[] = [
  { name: 'malformed JSON', status: 400, type: 'malformed-body', body: '{"sku": "TEA-1", "name": ' },
  { name: 'JSON with a trailing comma', status: 400, type: 'malformed-body', body: '{"sku": "TEA-1",}' },
  { name: 'an empty body sent as application/json', status: 400, type: 'malformed-body', body: '' },
  { name: 'a body with a __proto__ key', status: 400, type: 'malformed-body', body: '{"__proto__": {"admin": true}, "sku": "TEA-1"}' },
  { name: 'a body with a constructor.prototype key', status: 400, type: 'malformed-body', body: '{"constructor": {"prototype": {"admin": true}}}' },
  { name: 'a text/plain body', status: 415, type: 'unsupported-media-type', body: JSON.stringify(validProduct()), contentType: 'text/plain' },
  { name: 'an application/xml body', status: 415, type: 'unsupported-media-type', body: '<product sku="TEA-1"/>', contentType: 'application/xml' },
  { name: 'a form body', status: 415, type: 'unsupported-media-type', body: 'sku=TEA-1', contentType: 'application/x-www-form-urlencoded' },
  { name: 'a merge-patch body on create (only PATCH takes it)', status: 415, type: 'unsupported-media-type', body: JSON.stringify(validProduct()), contentType: 'application/merge-patch+json' },
  { name: 'a body larger than BODY_LIMIT_BYTES', status: 413, type: 'payload-too-large', body: JSON.stringify(validProduct({ description: 'd'.repeat(64 * 1024) })) },
  { name: 'an unknown route', status: 404, type: 'not-found', method: 'GET', url: '/api/v1/warehouses' },
  { name: 'an unknown method on a known path', status: 405, type: 'method-not-allowed', method: 'GET', url: `${PRODUCTS}/${UNKNOWN_ID}/stock-adjustments` },
];

t.test('a method the contract does not define on a known path is a 405 listing the allowed ones', async (t) => {
  const response = await herald.app.inject({ method: 'PUT', url: `${PRODUCTS}/${UNKNOWN_ID}`, payload: '{}', headers: { 'content-type': 'application/json' } });
  t.equal(response.statusCode, 405);
  t.equal(response.headers.allow, 'GET, PATCH, DELETE');
  t.match(response.headers['content-type'], /^application\/problem\+json/);
});

for (const c of transport) {
  t.test(`${c.name} is a ${c.status} ${c.type} problem`, async (t) => {
    const authorization = `Bearer ${await herald.adminToken()}`;
    const response = await herald.app.inject({
      method: c.method ?? 'POST',
      url: c.url ?? PRODUCTS,
      headers: { authorization, ...(c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}) },
      ...(c.body !== undefined ? { payload: c.body } : {}),
    });
    t.equal(response.statusCode, c.status, response.body);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = response.json();
    t.equal(problem.type, `urn:herald:problem:${c.type}`);
    t.equal(problem.status, c.status);
    t.equal(problem.instance, (c.url ?? PRODUCTS).split('?')[0], 'instance is the request path');
  });
}

t.test('a path with a broken percent-encoding is a 400 problem', async (t) => {
  const response = await herald.request({ method: 'GET', url: `${PRODUCTS}/%E0%A4%A` });
  t.equal(response.statusCode, 400);
  // Fastify answers bad URLs itself unless the app passes `frameworkErrors` (src/app.ts).
  t.match(response.headers['content-type'], /^application\/problem\+json/, 'as application/problem+json');
});

t.test('a body just under BODY_LIMIT_BYTES is read and validated, not refused for its size', async (t) => {
  const body = JSON.stringify(validProduct({ description: 'd'.repeat(60 * 1024) }));
  t.ok(Buffer.byteLength(body) < 64 * 1024);
  const response = await herald.request({ method: 'POST', url: PRODUCTS, body });
  t.equal(response.statusCode, 400, 'refused by the description length rule instead');
  t.same(response.json().errors.map((e: FieldError) => `${e.in} ${e.field}`), ['body description']);
});

t.test('BODY_LIMIT_BYTES is configurable', async (t) => {
  const small = await startTestHerald(t, { BODY_LIMIT_BYTES: '1024' });
  const response = await small.request({ method: 'POST', url: PRODUCTS, body: validProduct({ description: 'd'.repeat(1100) }) });
  t.equal(response.statusCode, 413);
  t.equal(response.json().type, 'urn:herald:problem:payload-too-large');
  const list = (await small.request({ method: 'GET', url: PRODUCTS })).json();
  t.same(list.items, []);
});

t.test('after every refused request, nothing at all was written', async (t) => {
  const list = await herald.request({ method: 'GET', url: PRODUCTS });
  t.equal(list.statusCode, 200);
  t.same(list.json(), { items: [], next_cursor: null }, 'no product');
  for (const table of ['products', 'stock_adjustments']) {
    const { rows } = await herald.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    t.equal(rows[0]!.n, 0, `${table} is empty`);
  }
  // The outbox holds the admin's UserRegistered from start-up, and nothing else.
  const { rows } = await herald.pool.query<{ type: string }>('select event_type as type from outbox');
  t.same(rows.map((row) => row.type), ['UserRegistered'], 'no event about products');
});

// ---------------------------------------------------------------------------------------------
// Generated malformed requests. The generator is seeded, so a failure names the seed and the case
// number that reproduce it (HERALD_FUZZ_SEED=<seed> to replay another run).

const FUZZ_SEED = Number(process.env.HERALD_FUZZ_SEED ?? 0x4e7a1d);

/** mulberry32: a small seeded PRNG, so that every run sends the same requests. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof prng>;

/** JSON text of a string, with lone surrogates, controls and NUL kept as escapes. */
const jsonString = (value: string) => JSON.stringify(value);

const ALPHABET = ['a', 'Z', '9', '-', '_', ' ', '"', '\\', '/', '\u0000', '\u001f', 'é', 'ß', '中', '🍵', '\ud800', '\udfff', '\u2028', '%', '$', '{'];
function randomString(r: Random, maxLength = 40): string {
  return Array.from({ length: r.int(0, maxLength) }, () => r.pick(ALPHABET)).join('');
}

/** Raw JSON number literals, several beyond what a double or the contract allows. */
const NUMBERS = ['0', '-1', '1.5', '-0.0001', '1e400', '-1e400', '1e-400', '9007199254740993', '2147483648', '-2147483649', '123456789012345678901234567890', `1${'0'.repeat(300)}`, '4.0e0'];

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
const KINDS: Kind[] = ['null', 'boolean', 'number', 'string', 'array', 'object'];
/** Keys no operation knows, including the classic prototype-pollution ones. */
const FOREIGN_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'admin', 'Sku', 'NAME', 'price.amount', '', ' ', '$where'];

function randomValue(r: Random, depth: number, kinds: readonly Kind[] = KINDS): string {
  const kind = depth <= 0 ? r.pick(kinds.filter((k) => k !== 'array' && k !== 'object').concat(['null'])) : r.pick(kinds);
  switch (kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return r.pick(['true', 'false']);
    case 'number':
      return r.pick(NUMBERS);
    case 'string':
      return jsonString(randomString(r));
    case 'array':
      return `[${Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth - 1)).join(',')}]`;
    case 'object':
      return `{${Array.from({ length: r.int(0, 4) }, () => `${jsonString(r.pick(FOREIGN_KEYS))}:${randomValue(r, depth - 1)}`).join(',')}}`;
  }
}

/** A value of any JSON type but `allowed`. */
const notOfType = (r: Random, ...allowed: Kind[]) => randomValue(r, 2, KINDS.filter((k) => !allowed.includes(k)));

function deeplyNested(r: Random): string {
  const depth = r.int(100, 10_000);
  return r.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const ISO_CODES = new Set(Intl.supportedValuesOf('currency'));
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** For each field, values that break its rule (never a valid one). */
const invalid = {
  sku: (r: Random) =>
    r.pick([
      () => notOfType(r, 'string'),
      () => jsonString(''),
      () => jsonString('S'.repeat(r.int(65, 300))),
      () => jsonString(`SKU${r.pick([' ', '.', '/', '\u0000', 'é', '🍵', '\ud800', '+'])}${randomString(r, 5)}`),
    ])(),
  name: (r: Random) =>
    r.pick([
      () => notOfType(r, 'string'),
      () => jsonString(''),
      () => jsonString('n'.repeat(r.int(201, 5000))),
      () => jsonString(`${randomString(r, 10)}\u0000${randomString(r, 10)}`),
    ])(),
  description: (r: Random) =>
    r.pick([
      () => notOfType(r, 'string'),
      () => jsonString('d'.repeat(r.int(2001, 20_000))),
      () => jsonString(`${randomString(r, 10)}\u0000`),
    ])(),
  amount: (r: Random) =>
    r.pick([
      () => notOfType(r, 'number'),
      () => r.pick(['-1', '0.5', '4.99', '9007199254740992', '1e400', '-1e400', `1${'0'.repeat(30)}`]),
      () => String(-r.int(1, 1_000_000)),
    ])(),
  currency: (r: Random) =>
    r.pick([
      () => notOfType(r, 'string'),
      () => jsonString(r.pick(['eur', 'Eur', 'EURO', 'EU', '', '€', 'E U', '123'])),
      () => {
        let code: string;
        do code = Array.from({ length: 3 }, () => r.pick([...LETTERS])).join('');
        while (ISO_CODES.has(code));
        return jsonString(code);
      },
    ])(),
  stockLevel: (r: Random) =>
    r.pick([
      () => notOfType(r, 'number'),
      () => r.pick(['-1', '2.5', '2147483648', '1e400', '-1e400', '9007199254740993']),
      () => jsonString(String(r.int(0, 100))),
    ])(),
  delta: (r: Random) =>
    r.pick([
      () => notOfType(r, 'number'),
      () => r.pick(['0', '-0', '0.0', '1.5', '-2147483648', '2147483648', '1e400']),
      () => jsonString(String(r.int(-5, 5))),
    ])(),
  reason: (r: Random) =>
    r.pick([
      () => notOfType(r, 'string'),
      () => jsonString(''),
      () => jsonString('r'.repeat(r.int(501, 5000))),
      () => jsonString(`${randomString(r, 10)}\u0000`),
    ])(),
};

function invalidPrice(r: Random): string {
  return r.pick([
    () => notOfType(r, 'object'),
    () => `{"amount":${invalid.amount(r)},"currency":"EUR"}`,
    () => `{"amount":450,"currency":${invalid.currency(r)}}`,
    () => r.pick(['{"amount":450}', '{"currency":"EUR"}', '{}']),
    () => `{"amount":450,"currency":"EUR",${jsonString(r.pick(FOREIGN_KEYS))}:${randomValue(r, 1)}}`,
  ])();
}

/** JSON object text from raw member texts. */
const objectText = (members: Record<string, string>) =>
  `{${Object.entries(members).map(([key, raw]) => `${jsonString(key)}:${raw}`).join(',')}}`;

interface Operation {
  name: string;
  method: 'POST' | 'PATCH';
  url: (id: string) => string;
  /** A valid body, as raw member texts. */
  valid: (r: Random) => Record<string, string>;
  /** Fields and how to break each; `id` and `version` on PATCH are broken by being there at all. */
  breakers: Record<string, (r: Random) => string>;
}

const validCreate = (r: Random) => ({
  sku: jsonString(`FUZZ-${r.int(0, 1e9)}`),
  name: jsonString('Fuzzed tea'),
  description: jsonString('fuzz'),
  price: '{"amount":450,"currency":"EUR"}',
  stock: '50',
  low_stock_threshold: '10',
});

const operations: Operation[] = [
  {
    name: 'createProduct',
    method: 'POST',
    url: () => PRODUCTS,
    valid: validCreate,
    breakers: { sku: invalid.sku, name: invalid.name, description: invalid.description, price: invalidPrice, stock: invalid.stockLevel, low_stock_threshold: invalid.stockLevel },
  },
  {
    name: 'updateProduct',
    method: 'PATCH',
    url: (id) => `${PRODUCTS}/${id}`,
    valid: (r) => {
      const all = validCreate(r);
      const fields = ['sku', 'name', 'description', 'price', 'low_stock_threshold'] as const;
      return Object.fromEntries(fields.filter(() => r.chance(0.5)).map((f) => [f, all[f]]));
    },
    breakers: {
      sku: invalid.sku,
      name: invalid.name,
      description: invalid.description,
      price: invalidPrice,
      low_stock_threshold: invalid.stockLevel,
      stock: invalid.stockLevel,
      id: () => jsonString(UNKNOWN_ID),
      version: () => '2',
    },
  },
  {
    name: 'adjustStock',
    method: 'POST',
    url: (id) => `${PRODUCTS}/${id}/stock-adjustments`,
    valid: (r) => ({ delta: String(r.pick([-1, 1, 5])), reason: jsonString('fuzz') }),
    breakers: { delta: invalid.delta, reason: invalid.reason },
  },
];

/** One malformed body for an operation: each strategy is built so that the result breaks a rule. */
function malformedBody(r: Random, operation: Operation): { strategy: string; body: string } {
  const valid = operation.valid(r);
  const strategies: Array<[string, () => string]> = [
    ['a top-level value that is not an object', () => notOfType(r, 'object')],
    ['an object of unknown keys', () => `{${Array.from({ length: r.int(1, 5) }, () => `${jsonString(r.pick(FOREIGN_KEYS))}:${randomValue(r, 3)}`).join(',')}}`],
    [
      'a valid body with one field broken',
      () => {
        const field = r.pick(Object.keys(operation.breakers));
        return objectText({ ...valid, [field]: operation.breakers[field]!(r) });
      },
    ],
    [
      'a valid body with several fields broken',
      () => {
        const broken = Object.fromEntries(Object.entries(operation.breakers).filter(() => r.chance(0.6)).map(([field, breaker]) => [field, breaker(r)]));
        const [first] = Object.keys(operation.breakers);
        return objectText({ ...valid, ...(Object.keys(broken).length > 0 ? broken : { [first!]: operation.breakers[first!]!(r) }) });
      },
    ],
    ['a valid body plus an unknown or prototype-polluting key', () => objectText({ ...valid, [r.pick(FOREIGN_KEYS)]: randomValue(r, 2) })],
    ['a valid body plus constructor.prototype', () => objectText({ ...valid, constructor: `{"prototype":${randomValue(r, 1)}}` })],
    ['a valid body with a field nested thousands deep', () => objectText({ ...valid, [r.pick(Object.keys(operation.breakers))]: deeplyNested(r) })],
    [
      'a valid body cut short',
      () => {
        const text = objectText(valid);
        return text.slice(0, r.int(0, text.length - 1));
      },
    ],
    ['a valid body over the size limit', () => objectText({ ...valid, [r.pick(Object.keys(operation.breakers))]: jsonString('x'.repeat(r.int(65 * 1024, 80 * 1024))) })],
    ['bytes that are not JSON', () => r.pick([`{'sku': 'single quotes'}`, 'undefined', 'NaN', '{"a":1}{"b":2}', '\u0000', '[1,]', '{"a":01}', randomString(r, 50)])],
  ];
  const [strategy, make] = r.pick(strategies);
  let body = make();
  // Only an empty object is valid on its own for no operation; a PATCH object needs a field broken
  // or unknown, which every strategy above provides. An empty text is a malformed body.
  if (body.trim() === '' && r.chance(0.5)) body = '{';
  return { strategy, body };
}

/** ASCII-only text for test names (a raw U+2028 or control character would break the TAP stream). */
const printable = (text: string) =>
  text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** Percent-encodes the UTF-8 bytes of any string, lone surrogates included (as U+FFFD). */
const percentEncoded = (text: string) => [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', undefined];

t.test(`200 generated malformed bodies are all refused with a 4xx problem and change nothing (seed ${FUZZ_SEED})`, async (t) => {
  const target = await startTestHerald(t);
  const created = await target.request({ method: 'POST', url: PRODUCTS, body: validProduct({ sku: 'FUZZ-TARGET', stock: 50 }) });
  t.equal(created.statusCode, 201);
  const before = created.json();
  const outboxBefore = (await target.pool.query<{ n: number }>('select count(*)::int as n from outbox')).rows[0]!.n;

  const r = prng(FUZZ_SEED);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const operation = operations[i % operations.length]!;
    const { strategy, body } = malformedBody(r, operation);
    // Mostly JSON, sometimes another or no media type.
    const contentType = r.chance(0.85) ? 'application/json' : r.pick(CONTENT_TYPES);
    const response = await target.app.inject({
      method: operation.method,
      url: operation.url(before.id),
      payload: body,
      headers: { authorization: `Bearer ${await target.adminToken()}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
    });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const label = `#${i} ${operation.name}, ${strategy}, ${contentType ?? 'no content-type'}: ${printable(body.slice(0, 160))}`;
    const ok = [400, 413, 415].includes(response.statusCode) && /^application\/problem\+json/.test(String(response.headers['content-type']));
    if (!ok) t.fail(`${label} → ${response.statusCode} ${response.body.slice(0, 300)}`);
    else t.pass(`${label.slice(0, 120)} → ${response.statusCode}`);
  }
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.ok((statuses.get(400) ?? 0) > 100, 'most are refused by validation, so the generator does reach it');

  const after = (await target.request({ method: 'GET', url: `${PRODUCTS}/${before.id}` })).json();
  t.strictSame(after, before, 'the target product is exactly as created');
  const counts = await target.pool.query<{ products: number; adjustments: number; outbox: number }>(
    `select (select count(*)::int from products) as products,
            (select count(*)::int from stock_adjustments) as adjustments,
            (select count(*)::int from outbox) as outbox`,
  );
  t.strictSame(counts.rows[0], { products: 1, adjustments: 0, outbox: outboxBefore }, 'no row was written');
});

t.test(`100 generated query strings and ids never cause a 5xx (seed ${FUZZ_SEED})`, async (t) => {
  const r = prng(FUZZ_SEED + 1);
  const keys = ['limit', 'cursor', 'low_stock', 'lowstock', '__proto__', 'constructor', 'limit[]', 'cursor[0]', ''];
  const values = () =>
    r.pick([
      () => String(r.pick([0, 1, 20, 100, 101, -1, 1.5, 1e21])),
      () => r.pick(['true', 'false', 'TRUE', '1', '', 'null', 'undefined']),
      () => Buffer.from(randomString(r, 30)).toString('base64url'),
      () => randomString(r, 30),
    ])();
  for (let i = 0; i < 50; i++) {
    const query = Array.from({ length: r.int(1, 4) }, () => `${percentEncoded(r.pick(keys))}=${percentEncoded(values())}`).join('&');
    const response = await herald.request({ method: 'GET', url: `${PRODUCTS}?${query}` });
    const ok = response.statusCode === 200 || (response.statusCode === 400 && /^application\/problem\+json/.test(String(response.headers['content-type'])));
    t.ok(ok, `#${i} ?${query.slice(0, 120)} → ${response.statusCode}`);
  }
  for (let i = 0; i < 50; i++) {
    const id = r.pick([
      () => percentEncoded(randomString(r, 40)) || 'x',
      () => UNKNOWN_ID.toUpperCase(),
      () => UNKNOWN_ID.slice(0, r.int(1, 35)),
      () => `${UNKNOWN_ID}${percentEncoded(r.pick(ALPHABET))}`,
      () => '00000000-0000-0000-0000-000000000000',
      () => 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    ])();
    const method = r.pick(['GET', 'DELETE'] as const);
    const response = await herald.request({ method, url: `${PRODUCTS}/${id}` });
    const ok = [400, 404].includes(response.statusCode) && /^application\/problem\+json/.test(String(response.headers['content-type']));
    t.ok(ok, `#${i} ${method} /${id.slice(0, 80)} → ${response.statusCode}`);
  }
});
