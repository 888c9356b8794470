import t from 'tap';
import { startTestHerald, validProduct } from './helpers/herald.js';

/**
 * Request bodies are UTF-8 and nothing else: bytes that are not UTF-8 are a 400 naming the offset
 * of the first bad byte, a Content-Type declaring another charset is a 415, and in both cases
 * nothing is written. Text that is valid UTF-8 is stored exactly as sent, whatever its characters.
 */

const PRODUCTS = '/api/v1/products';

const herald = await startTestHerald(t);
const token = await herald.adminToken();

/** Sends raw bytes as the admin, with the Content-Type given. */
const send = (method: string, url: string, payload: Buffer, contentType = 'application/json', headers: Record<string, string> = {}) =>
  herald.app.inject({
    method: method as 'POST',
    url,
    headers: { 'content-type': contentType, authorization: `Bearer ${token}`, ...headers },
    payload,
  });

const counts = async () =>
  (
    await herald.pool.query<{ products: number; adjustments: number; outbox: number }>(
      `select (select count(*)::int from products) as products,
              (select count(*)::int from stock_adjustments) as adjustments,
              (select count(*)::int from outbox) as outbox`,
    )
  ).rows[0]!;

/** A valid product body with `bad` spliced into its name, and the offset at which `bad` starts. */
function productWith(bad: number[]): { body: Buffer; at: number } {
  const [before, after] = JSON.stringify(validProduct({ name: '@@' })).split('@@') as [string, string];
  return { body: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]), at: Buffer.byteLength(before) };
}

const invalid: Array<{ name: string; bytes: number[]; offset: number; reason: RegExp }> = [
  { name: 'an overlong "/" (0xc0 0xaf)', bytes: [0xc0, 0xaf], offset: 0, reason: /overlong/ },
  { name: 'an overlong "/" in three bytes', bytes: [0xe0, 0x80, 0xaf], offset: 0, reason: /overlong/ },
  { name: 'a lone continuation byte', bytes: [0x54, 0x80, 0x65], offset: 1, reason: /continuation byte/ },
  { name: 'an encoded surrogate', bytes: [0xed, 0xa0, 0x80], offset: 0, reason: /surrogate/ },
  { name: 'an emoji as a CESU-8 surrogate pair', bytes: [0x41, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], offset: 1, reason: /surrogate/ },
  { name: 'a code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80], offset: 0, reason: /above U\+10FFFF/ },
  { name: 'a truncated euro sign', bytes: [0x31, 0x30, 0x20, 0xe2, 0x82], offset: 3, reason: /cut short by byte 0x22/ },
  { name: 'a truncated emoji', bytes: [0xf0, 0x9f, 0x8d], offset: 0, reason: /cut short/ },
  { name: 'byte 0xff', bytes: [0xff], offset: 0, reason: /never appears in UTF-8/ },
  { name: 'byte 0xfe', bytes: [0x61, 0xfe, 0xff], offset: 1, reason: /never appears in UTF-8/ },
  { name: 'Latin-1 text ("Thé")', bytes: [0x54, 0x68, 0xe9], offset: 2, reason: /cut short/ },
];

t.test('a body that is not UTF-8 is a 400 naming the byte offset, and writes nothing', async (t) => {
  const before = await counts();
  for (const c of invalid) {
    const { body, at } = productWith(c.bytes);
    const response = await send('POST', PRODUCTS, body);
    t.equal(response.statusCode, 400, `${c.name}: 400`);
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${c.name}: problem+json`);
    const problem = response.json();
    t.equal(problem.type, 'urn:herald:problem:malformed-body', `${c.name}: malformed-body`);
    t.match(problem.detail, `not valid UTF-8 at byte offset ${at + c.offset}: `, `${c.name}: names offset ${at + c.offset}`);
    t.match(problem.detail, c.reason, `${c.name}: says what is wrong`);
  }
  t.strictSame(await counts(), before, 'no product, adjustment or event was written');
});

t.test('bad bytes in a key, or cut off at the very end of the body, are found too', async (t) => {
  const before = await counts();
  const json = JSON.stringify(validProduct());
  const inKey = Buffer.from(json.replace('"name"', '"na\u0000me"'));
  inKey[inKey.indexOf(0)] = 0xff;
  let response = await send('POST', PRODUCTS, inKey);
  t.equal(response.statusCode, 400);
  t.match(response.json().detail, `byte offset ${json.indexOf('"name"') + 3}:`);

  const cut = Buffer.concat([Buffer.from(json.slice(0, -2)), Buffer.from('é"}'), Buffer.from([0xe2, 0x82])]);
  response = await send('POST', PRODUCTS, cut);
  t.equal(response.statusCode, 400);
  t.match(response.json().detail, `byte offset ${cut.length - 2}: the sequence 0xe2 0x82 is cut short by the end of the body`);
  t.strictSame(await counts(), before, 'nothing was written');
});

t.test('a Content-Type declaring a charset other than UTF-8 is a 415 naming it, and writes nothing', async (t) => {
  const before = await counts();
  const json = JSON.stringify(validProduct({ name: 'Thé vert' }));
  const cases: Array<[string, Buffer, string]> = [
    ['latin1', Buffer.from(json, 'latin1'), 'latin1'],
    ['ISO-8859-1', Buffer.from(json, 'latin1'), 'ISO-8859-1'],
    ['windows-1252', Buffer.from(json, 'latin1'), 'windows-1252'],
    ['"latin1"', Buffer.from(json, 'latin1'), 'latin1'],
    ['utf-16', Buffer.from(`\uFEFF${json}`, 'utf16le'), 'utf-16'],
    ['UTF-16LE', Buffer.from(json, 'utf16le'), 'UTF-16LE'],
    // Even when the bytes happen to be valid UTF-8: the declaration itself is refused.
    ['us-ascii', Buffer.from(JSON.stringify(validProduct())), 'us-ascii'],
    ['utf8', Buffer.from(json), 'utf8'],
  ];
  for (const [parameter, body, named] of cases) {
    const response = await send('POST', PRODUCTS, body, `application/json; charset=${parameter}`);
    t.equal(response.statusCode, 415, `charset=${parameter}: 415`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = response.json();
    t.equal(problem.type, 'urn:herald:problem:unsupported-media-type');
    t.match(problem.detail, `must be encoded in UTF-8, not charset=${named};`, `charset=${parameter}: named`);
  }
  t.strictSame(await counts(), before, 'no product, adjustment or event was written');
});

t.test('charset=utf-8 in any case, quoted or not, and no charset at all are accepted', async (t) => {
  for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="Utf-8"', 'Application/JSON; Charset=UTF-8']) {
    const response = await send('POST', PRODUCTS, Buffer.from(JSON.stringify(validProduct({ name: 'Thé' }))), contentType);
    t.equal(response.statusCode, 201, contentType);
    t.equal(response.json().name, 'Thé', `${contentType}: stored as sent`);
  }
});

/** Non-ASCII text of every UTF-8 length: accents (2 bytes), CJK (3), emoji (4), combining marks and ZWJ sequences. */
const NAME = 'Thé vert — 绿茶 🍵 e\u0301';
const DESCRIPTION = 'Crème brûlée, Ærøskøbing; 日本語 한국어 中文; 👩‍👩‍👧 🇫🇷 𝄞 \u{10ffff}; ﷺ ‮rtl‬; "quoted" \\ back';

t.test('valid non-ASCII text is stored, returned and published exactly as sent', async (t) => {
  const response = await send('POST', PRODUCTS, Buffer.from(JSON.stringify(validProduct({ name: NAME, description: DESCRIPTION }))));
  t.equal(response.statusCode, 201);
  const created = response.json();
  t.equal(created.name, NAME);
  t.equal(created.description, DESCRIPTION);
  t.ok(Buffer.from(response.body).includes(Buffer.from(NAME)), 'the response carries the same UTF-8 bytes');

  const read = await herald.request({ method: 'GET', url: `${PRODUCTS}/${created.id}` });
  t.equal(read.json().name, NAME);
  t.equal(read.json().description, DESCRIPTION);

  const row = await herald.pool.query('select name, description from products where id = $1', [created.id]);
  t.strictSame(row.rows[0], { name: NAME, description: DESCRIPTION }, 'the row holds the text as sent');

  const event = await herald.pool.query(
    `select payload->'data'->'product'->>'name' as name, payload->'data'->'product'->>'description' as description
       from outbox where event_type = 'ProductCreated' and payload->'data'->'product'->>'id' = $1`,
    [created.id],
  );
  t.strictSame(event.rows, [{ name: NAME, description: DESCRIPTION }], 'ProductCreated carries it too');
});

t.test('a byte order mark at the start of the body is accepted and dropped', async (t) => {
  const sku = `BOM-${Date.now()}`;
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(validProduct({ sku, name: NAME })))]);
  const response = await send('POST', PRODUCTS, body);
  t.equal(response.statusCode, 201);
  t.equal(response.json().sku, sku);
  t.equal(response.json().name, NAME);
});

t.test('a merge patch follows the same rules: refused without a change, or applied exactly', async (t) => {
  const created = await herald.request({ method: 'POST', url: PRODUCTS, body: validProduct({ name: 'Before' }) });
  t.equal(created.statusCode, 201);
  const url = `${PRODUCTS}/${created.json().id}`;
  const before = await counts();

  let response = await send('PATCH', url, Buffer.from('{"name":"Thé"}', 'latin1'), 'application/merge-patch+json; charset=ISO-8859-1', { 'if-match': '"1"' });
  t.equal(response.statusCode, 415);
  t.match(response.json().detail, 'not charset=ISO-8859-1');

  response = await send('PATCH', url, Buffer.from('{"name":"Thé"}', 'latin1'), 'application/merge-patch+json', { 'if-match': '"1"' });
  t.equal(response.statusCode, 400);
  t.match(response.json().detail, 'not valid UTF-8 at byte offset 11:');

  const unchanged = await herald.request({ method: 'GET', url });
  t.equal(unchanged.json().name, 'Before');
  t.equal(unchanged.json().version, 1);
  t.strictSame(await counts(), before, 'no event was written');

  response = await send('PATCH', url, Buffer.from(JSON.stringify({ name: NAME })), 'application/merge-patch+json; charset=UTF-8', { 'if-match': '"1"' });
  t.equal(response.statusCode, 200);
  t.equal(response.json().name, NAME);
  t.equal((await herald.pool.query('select name from products where id = $1', [created.json().id])).rows[0].name, NAME);
});

t.test('every operation that takes a JSON body refuses bytes that are not UTF-8 and other charsets', async (t) => {
  const operations = herald.app.openapi.operations.filter((operation) => operation.bodyMediaTypes.length > 0);
  t.ok(operations.some((operation) => operation.operationId === 'createUser'), 'users are among them');
  const before = await counts();
  for (const operation of operations) {
    const url = operation.url.replace(/:\w+/g, 'x');
    const mediaType = operation.bodyMediaTypes[0]!;
    const headers: Record<string, string> = operation.method === 'PATCH' ? { 'if-match': '"1"' } : {};
    const bad = await send(operation.method, url, Buffer.from([...Buffer.from('{"x":"'), 0xff, ...Buffer.from('"}')]), mediaType, headers);
    t.equal(bad.statusCode, 400, `${operation.operationId}: 400 for 0xff`);
    t.match(bad.json().detail, 'not valid UTF-8 at byte offset 6:', `${operation.operationId}: names the offset`);
    const latin1 = await send(operation.method, url, Buffer.from('{}'), `${mediaType}; charset=latin1`, headers);
    t.equal(latin1.statusCode, 415, `${operation.operationId}: 415 for charset=latin1`);
    t.match(latin1.json().detail, 'must be encoded in UTF-8, not charset=latin1', `${operation.operationId}: names the charset`);
  }
  t.strictSame(await counts(), before, 'no event was written');
  const users = await herald.pool.query<{ n: number }>('select count(*)::int as n from users');
  t.equal(users.rows[0]!.n, 1, 'no user but the admin');
});
