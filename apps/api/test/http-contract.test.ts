import { METHODS } from 'node:http';
import { connect } from 'node:net';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { defaultSpecPath } from '../src/openapi/spec.js';
import { startTestHerald, validProduct } from './helpers/herald.js';

/**
 * The HTTP surface at the level of bytes on the socket: what the contract says about methods,
 * duplicate keys and headers, media types and limits, and what clients get when Node's parser
 * refuses a request before Fastify sees it. Requests go over a real TCP connection, since
 * `inject()` skips Node's parser and joins repeated headers.
 */

const PRODUCTS = '/api/v1/products';
const UNKNOWN_ID = '01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b';

const herald = await startTestHerald(t);
const { hostname, port } = new URL(herald.url);

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `text` as is on a new connection and reads the one response, until the server closes. */
function raw(text: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = response.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    setTimeout(() => socket.destroy(new Error(`no complete response to ${JSON.stringify(String(text).slice(0, 60))}`)), 10_000).unref();
  });
}

/** A request as text: a request line, headers (an array of pairs allows repeats) and a body. */
function request(method: string, path: string, headers: Array<[string, string]> = [], body?: string): string {
  const all: Array<[string, string]> = [['Host', 'localhost'], ...headers, ['Connection', 'close']];
  if (body !== undefined) all.push(['Content-Length', String(Buffer.byteLength(body))]);
  return `${method} ${path} HTTP/1.1\r\n${all.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/** Headers of a JSON request by the admin (writes need a token, product writes the admin role). */
const asAdmin: Array<[string, string]> = [['Authorization', `Bearer ${await herald.adminToken()}`]];
const json: Array<[string, string]> = [['Content-Type', 'application/json'], ...asAdmin];

function isProblem(t: Test, response: RawResponse, status: number, type: string) {
  t.equal(response.status, status, `status ${status}: ${response.body.slice(0, 200)}`);
  t.match(response.headers['content-type'], /^application\/problem\+json/, 'application/problem+json');
  const problem = JSON.parse(response.body);
  t.match(problem, { type: `urn:herald:problem:${type}`, status, title: String, detail: String });
  return problem as { detail: string; errors?: Array<{ in: string; field: string; message: string }> };
}

// ------------------------------------------------------------------------------------------------
// Methods

const document = parse(readFileSync(defaultSpecPath, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const samplePaths = Object.keys(document.paths).map((path) => ({
  path: path.replace('{id}', UNKNOWN_ID),
  declared: Object.keys(document.paths[path]!).filter((k) => ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'].includes(k)).map((m) => m.toUpperCase()),
}));

t.test('every method Node parses that the contract does not define on a path is a 405 with Allow, without a body', async (t) => {
  let checked = 0;
  for (const { path, declared } of samplePaths) {
    for (const method of METHODS) {
      if (declared.includes(method) || (method === 'HEAD' && declared.includes('GET'))) continue;
      const response = await raw(request(method, path));
      checked++;
      t.equal(response.status, 405, `${method} ${path}`);
      t.same(response.headers.allow?.split(', ').sort(), [...declared].sort(), `${method} ${path}: Allow`);
      if (method !== 'HEAD') {
        t.match(response.headers['content-type'], /^application\/problem\+json/);
        t.match(JSON.parse(response.body), { type: 'urn:herald:problem:method-not-allowed', status: 405, instance: path });
      }
    }
  }
  t.ok(checked > 300, `${checked} method and path pairs`);
});

t.test('QUERY, which must carry a Content-Type, is still a 405 without one, and with a body too', async (t) => {
  isProblem(t, await raw(request('QUERY', '/health/live')), 405, 'method-not-allowed');
  isProblem(t, await raw(request('QUERY', PRODUCTS, json, '{"sku":"x"}')), 405, 'method-not-allowed');
});

t.test('the body of a request no route takes is never read: no 415 or 413 in place of the 405 or 404', async (t) => {
  isProblem(t, await raw(request('PUT', `${PRODUCTS}/${UNKNOWN_ID}`, [['Content-Type', 'text/plain']], 'hello')), 405, 'method-not-allowed');
  const huge = JSON.stringify({ blob: 'x'.repeat(70 * 1024) });
  isProblem(t, await raw(request('PUT', PRODUCTS, json, huge)), 405, 'method-not-allowed');
  isProblem(t, await raw(request('POST', '/api/v1/warehouses', json, huge)), 404, 'not-found');
});

t.test('CONNECT, which Node keeps from the router, gets the same 405 or 404', async (t) => {
  const known = await raw(request('CONNECT', '/health/live'));
  isProblem(t, known, 405, 'method-not-allowed');
  t.equal(known.headers.allow, 'GET');
  isProblem(t, await raw(request('CONNECT', 'example.com:443')), 404, 'not-found');
});

// ------------------------------------------------------------------------------------------------
// Duplicate keys and headers

const productText = (extra: string) => JSON.stringify(validProduct()).replace(/}$/, `${extra}}`);

t.test('a JSON body with a key given twice is a 400 naming the key, at any depth, and writes nothing', async (t) => {
  const before = (await herald.pool.query('SELECT count(*)::int AS n FROM products')).rows[0].n;
  const cases: Array<[string, string, string[]]> = [
    ['at the top level', productText(',"stock":500'), ['stock']],
    ['inside price', JSON.stringify(validProduct()).replace('"currency":"EUR"', '"currency":"EUR","amount":1'), ['price.amount']],
    ['spelled with an escape', productText(',"\\u0073ku":"OTHER-SKU"'), ['sku']],
    ['three times, and two keys', productText(',"name":"b","name":"c","stock":1'), ['name', 'name', 'stock']],
  ];
  for (const [what, body, fields] of cases) {
    const response = await raw(request('POST', PRODUCTS, json, body));
    const problem = isProblem(t, response, 400, 'duplicate-key');
    t.same(problem.errors?.map((e) => `${e.in} ${e.field}`), fields.map((f) => `body ${f}`), what);
    for (const field of fields) t.match(problem.detail, field, `${what}: the detail names ${field}`);
  }
  t.equal((await herald.pool.query('SELECT count(*)::int AS n FROM products')).rows[0].n, before, 'no product was created');
});

t.test('duplicate keys are found in arrays and on every operation that takes a body', async (t) => {
  const redrive = await raw(request('POST', '/api/v1/dead-letters/redrive', json, '{"group":"analytics","event_ids":[],"group":"notifier"}'));
  t.same(isProblem(t, redrive, 400, 'duplicate-key').errors?.map((e) => e.field), ['group']);
  const patch = await raw(request('PATCH', `${PRODUCTS}/${UNKNOWN_ID}`, [...asAdmin, ['Content-Type', 'application/merge-patch+json']], '{"price":{"amount":1,"currency":"EUR","currency":"USD"}}'));
  t.same(isProblem(t, patch, 400, 'duplicate-key').errors?.map((e) => e.field), ['price.currency']);
  const adjust = await raw(request('POST', `${PRODUCTS}/${UNKNOWN_ID}/stock-adjustments`, json, '{"delta":1,"reason":"a","delta":-1}'));
  t.same(isProblem(t, adjust, 400, 'duplicate-key').errors?.map((e) => e.field), ['delta']);
});

t.test('the same key in different objects, and colons, quotes and backslashes inside strings, are no duplicates', async (t) => {
  const body = JSON.stringify(
    validProduct({ name: 'a:"b":\\c\\', description: '"amount":1, "sku":"x" \\" :: {"}', price: { amount: 7, currency: 'EUR' } }),
  );
  const response = await raw(request('POST', PRODUCTS, json, body));
  t.equal(response.status, 201, response.body);
  t.match(JSON.parse(response.body), { name: 'a:"b":\\c\\', description: '"amount":1, "sku":"x" \\" :: {"}' });
});

t.test('If-Match sent twice is a 400 naming the header, and changes nothing', async (t) => {
  const created = (await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct({ stock: 5 }) })).json();
  const twice = await raw(request('PATCH', `${PRODUCTS}/${created.id}`, [...json, ['If-Match', '"1"'], ['If-Match', '"1"']], '{"name":"Twice"}'));
  const problem = isProblem(t, twice, 400, 'validation-failed');
  t.same(problem.errors?.map((e) => `${e.in} ${e.field}`), ['header if-match']);
  t.match(problem.errors?.[0]?.message, /once/);
  const deleted = await raw(request('DELETE', `${PRODUCTS}/${created.id}`, [...asAdmin, ['if-match', '"1"'], ['IF-MATCH', '"2"']]));
  t.same(isProblem(t, deleted, 400, 'validation-failed').errors?.map((e) => e.field), ['if-match'], 'whatever the case of the names');
  t.equal((await herald.request({ method: 'GET', url: `${PRODUCTS}/${created.id}` })).json().name, created.name);

  const once = await raw(request('PATCH', `${PRODUCTS}/${created.id}`, [...json, ['If-Match', '"7", "1"']], '{"name":"Once"}'));
  t.equal(once.status, 200, 'one If-Match holding a list is fine');
});

// ------------------------------------------------------------------------------------------------
// Errors of Node's HTTP parser

t.test('requests Node refuses to parse are answered with application/problem+json', async (t) => {
  const badHeader = await raw('GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');
  t.match(isProblem(t, badHeader, 400, 'bad-request').detail, /header/i);
  const badLine = await raw('THIS IS NOT HTTP\r\n\r\n');
  isProblem(t, badLine, 400, 'bad-request');
  const badVersion = await raw('GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n');
  isProblem(t, badVersion, 400, 'bad-request');
  const tooLarge = await raw(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
  t.match(isProblem(t, tooLarge, 431, 'headers-too-large').detail, /\d+ bytes/);
  const badLength = await raw('POST /api/v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}');
  isProblem(t, badLength, 400, 'bad-request');
  for (const response of [badHeader, badLine, badVersion, tooLarge, badLength]) {
    t.equal(response.headers['content-length'], String(Buffer.byteLength(response.body)), 'the length matches the body');
  }
});

// ------------------------------------------------------------------------------------------------
// Messages that help

t.test('a PATCH naming an unknown field says which fields exist', async (t) => {
  const response = await herald.request({ method: 'PATCH', url: `${PRODUCTS}/${UNKNOWN_ID}`, body: { colour: 'green' } });
  t.equal(response.statusCode, 400);
  const [error] = response.json().errors;
  t.equal(error.field, 'colour');
  for (const field of ['sku', 'name', 'description', 'price', 'low_stock_threshold', 'stock', 'stock_reason']) t.match(error.message, field);
  t.match(response.json().detail, 'low_stock_threshold', 'the detail too');
  const nested = await herald.request({ method: 'PATCH', url: `${PRODUCTS}/${UNKNOWN_ID}`, body: { price: { amount: 1, currency: 'EUR', vat: 20 } } });
  t.match(nested.json().errors, [{ field: 'price.vat', message: /amount, currency/ }], 'inside an object, its own fields');
});

t.test('a 415 names application/json', async (t) => {
  for (const [contentType, operation] of [['text/plain', 'createProduct'], ['application/xml', 'createProduct'], ['application/merge-patch+json', 'createProduct']] as const) {
    const response = await raw(request('POST', PRODUCTS, [...asAdmin, ['Content-Type', contentType]], '{}'));
    const problem = isProblem(t, response, 415, 'unsupported-media-type');
    t.match(problem.detail, 'application/json', contentType);
    t.match(problem.detail, contentType, 'and what was sent');
    t.match(problem.detail, operation);
  }
  const none = isProblem(t, await raw(request('POST', PRODUCTS, asAdmin, '{}')), 415, 'unsupported-media-type');
  t.match(none.detail, /application\/json.*without Content-Type/);
  const patch = isProblem(t, await raw(request('PATCH', `${PRODUCTS}/${UNKNOWN_ID}`, [...asAdmin, ['Content-Type', 'text/csv']], 'a,b')), 415, 'unsupported-media-type');
  t.match(patch.detail, 'application/json or application/merge-patch+json');
});

t.test('DELETE takes no body: one is a 415 saying so', async (t) => {
  const problem = isProblem(t, await raw(request('DELETE', `${PRODUCTS}/${UNKNOWN_ID}`, json, '{}')), 415, 'unsupported-media-type');
  t.match(problem.detail, 'deleteProduct takes no request body');
  t.equal((await raw(request('DELETE', `${PRODUCTS}/${UNKNOWN_ID}`, asAdmin))).status, 404, 'without one it goes through');
});

t.test('a 413 states the limit in bytes', async (t) => {
  const body = JSON.stringify(validProduct({ description: 'd'.repeat(70 * 1024) }));
  const problem = isProblem(t, await raw(request('POST', PRODUCTS, json, body)), 413, 'payload-too-large');
  t.match(problem.detail, /\b65536 bytes\b/);
  const small = await startTestHerald(t, { BODY_LIMIT_BYTES: '2048' });
  const response = await small.request({ method: 'POST', url: PRODUCTS, body: validProduct({ description: 'd'.repeat(3000) }) });
  t.equal(response.statusCode, 413);
  t.match(response.json().detail, /\b2048 bytes\b/, 'the configured limit');
});
