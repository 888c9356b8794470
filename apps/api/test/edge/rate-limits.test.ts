import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config.js';
import { defaultSpecPath } from '../../src/openapi/spec.js';
import { UNLIMITED_OPERATIONS } from '../../src/plugins/rate-limits.js';
import { startTestHerald, validProduct, type TestHerald } from '../helpers/herald.js';

/** Limits far above what these tests send; each test lowers the one it is about. */
const HIGH = {
  RATE_LIMIT_TOKEN_PER_ADDRESS: '100000/1m',
  RATE_LIMIT_TOKEN_PER_HANDLE: '100000/1m',
  RATE_LIMIT_AUTHENTICATED: '100000/1m',
  RATE_LIMIT_PUBLIC: '100000/1m',
};

type Injected = Awaited<ReturnType<TestHerald['app']['inject']>>;

/** A sign-in attempt from `address`. */
const signIn = (herald: TestHerald, address: string, handle: string, password = 'not the password at all') =>
  herald.app.inject({ method: 'POST', url: '/api/v1/auth/token', remoteAddress: address, payload: { handle, password } });

const read = (herald: TestHerald, address: string, headers: Record<string, string> = {}) =>
  herald.app.inject({ method: 'GET', url: '/api/v1/products', remoteAddress: address, headers });

/** What every 429 must be: a problem with Retry-After and the RateLimit headers of the limit hit. */
function assertRateLimited(t: Test, response: Injected, limit: number, window: { min: number; max: number }, detail: RegExp) {
  t.equal(response.statusCode, 429, 'status 429');
  t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  const body = response.json();
  t.equal(body.type, 'urn:herald:problem:rate-limited');
  t.equal(body.status, 429);
  t.equal(body.title, 'Too many requests');
  t.match(body.detail, detail);
  const retryAfter = Number(response.headers['retry-after']);
  t.ok(Number.isInteger(retryAfter) && retryAfter >= window.min && retryAfter <= window.max, `Retry-After ${response.headers['retry-after']} s`);
  t.equal(response.headers['ratelimit-limit'], String(limit));
  t.equal(response.headers['ratelimit-remaining'], '0');
  t.equal(response.headers['ratelimit-reset'], response.headers['retry-after']);
}

t.test('repeated bad logins from one address get a 429 with Retry-After, whatever handle they name', async (t) => {
  const herald = await startTestHerald(t, { ...HIGH, RATE_LIMIT_TOKEN_PER_ADDRESS: '3/1m' });
  const user = await herald.signUp();
  for (let attempt = 1; attempt <= 3; attempt++) {
    const response = await signIn(herald, '203.0.113.7', `nobody_${attempt}`);
    t.equal(response.statusCode, 401, `attempt ${attempt} is judged on its credentials`);
    t.equal(response.headers['ratelimit-remaining'], String(3 - attempt), 'the headers count down');
  }
  const refused = await signIn(herald, '203.0.113.7', 'nobody_4');
  assertRateLimited(t, refused, 3, { min: 1, max: 60 }, /sign-in attempts from this address: at most 3 per minute; retry in \d+ s/);
  // Not even the right password gets in from there, until the window ends.
  assertRateLimited(t, await signIn(herald, '203.0.113.7', user.handle, user.password), 3, { min: 1, max: 60 }, /from this address/);
  // Another address is not affected.
  t.equal((await signIn(herald, '203.0.113.8', user.handle, user.password)).statusCode, 200);
  t.equal((await signIn(herald, '203.0.113.8', 'nobody_5')).statusCode, 401);
});

t.test('repeated bad logins for one handle get a 429 with Retry-After, from whichever address they come', async (t) => {
  const herald = await startTestHerald(t, { ...HIGH, RATE_LIMIT_TOKEN_PER_HANDLE: '3/15m' });
  // Registered, not signed in: signing in would be an attempt of its own.
  const victim = { handle: 'victim_w', password: 'the victim password' };
  t.equal((await herald.request({ method: 'POST', url: '/api/v1/users', body: victim, as: 'anonymous' })).statusCode, 201);
  const other = await herald.signUp();
  // Handles match case-insensitively: so does their count.
  for (const [attempt, handle] of ['victim_w', 'VICTIM_W', 'Victim_W'].entries()) {
    t.equal((await signIn(herald, `198.51.100.${attempt + 1}`, handle)).statusCode, 401, `attempt ${attempt + 1} as ${handle}`);
  }
  const refused = await signIn(herald, '198.51.100.4', victim.handle);
  assertRateLimited(t, refused, 3, { min: 60 * 15 - 5, max: 60 * 15 }, /sign-in attempts for this handle: at most 3 per 15 minutes/);
  t.notMatch(refused.body, victim.handle, 'the problem does not echo the handle');
  // The handle's owner waits too; other handles, from the same addresses, do not.
  assertRateLimited(t, await signIn(herald, '198.51.100.5', victim.handle, victim.password), 3, { min: 1, max: 900 }, /for this handle/);
  t.equal((await signIn(herald, '198.51.100.4', other.handle, other.password)).statusCode, 200);
  // A body that fails validation names no handle, and counts for none.
  const invalid = await herald.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { handle: victim.handle } });
  t.equal(invalid.statusCode, 400);
});

t.test("a user's requests to operations that need a token are limited per user", async (t) => {
  const herald = await startTestHerald(t, { ...HIGH, RATE_LIMIT_AUTHENTICATED: '4/1m' });
  const alice = await herald.signUp();
  const bob = await herald.signUp();
  for (let i = 1; i <= 4; i++) {
    const response = await herald.request({ method: 'PATCH', url: '/api/v1/me', body: { display_name: `Alice ${i}` }, as: alice.accessToken });
    t.equal(response.statusCode, 200, `write ${i}`);
    t.equal(response.headers['ratelimit-limit'], '4');
  }
  const refused = await herald.request({ method: 'PATCH', url: '/api/v1/me', body: { display_name: 'Alice 5' }, as: alice.accessToken });
  assertRateLimited(t, refused as unknown as Injected, 4, { min: 1, max: 60 }, /requests from this user: at most 4 per minute/);
  const profile = await herald.request({ method: 'GET', url: `/api/v1/users/${alice.id}`, as: 'anonymous' });
  t.equal(profile.json().display_name, 'Alice 4', 'the refused request changed nothing');
  // Bob, from the same address, has his own allowance; and Alice's public reads are counted apart.
  t.equal((await herald.request({ method: 'PATCH', url: '/api/v1/me', body: { display_name: 'Bob' }, as: bob.accessToken })).statusCode, 200);
  t.equal((await herald.request({ method: 'GET', url: '/api/v1/products', as: alice.accessToken })).statusCode, 200);
});

t.test('an admin creating products is limited like any user, and a flood of bad tokens per address', async (t) => {
  const herald = await startTestHerald(t, { ...HIGH, RATE_LIMIT_AUTHENTICATED: '3/1m' });
  for (let i = 1; i <= 3; i++) {
    t.equal((await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() })).statusCode, 201, `create ${i}`);
  }
  const refused = await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() });
  t.equal(refused.statusCode, 429);
  const before = (await herald.request({ method: 'GET', url: '/api/v1/products?limit=100', as: 'anonymous' })).json().items.length;
  t.equal(before, 3, 'the refused create wrote nothing');

  const badToken = { authorization: 'Bearer not.a.token' };
  const answers: number[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await herald.app.inject({ method: 'POST', url: '/api/v1/products', remoteAddress: '192.0.2.9', headers: badToken, payload: validProduct() });
    answers.push(response.statusCode);
  }
  t.same(answers, [401, 401, 401, 429], 'requests without a valid token count against their address');
});

t.test('anonymous reads are limited per address; a signed-in reader is counted as a user', async (t) => {
  const herald = await startTestHerald(t, { ...HIGH, RATE_LIMIT_PUBLIC: '5/1m' });
  const reader = await herald.signUp();
  for (let i = 1; i <= 5; i++) {
    const response = await read(herald, '203.0.113.20');
    t.equal(response.statusCode, 200, `read ${i}`);
    t.equal(response.headers['ratelimit-remaining'], String(5 - i));
    const reset = Number(response.headers['ratelimit-reset']);
    t.ok(reset >= 1 && reset <= 60, `resets in ${reset} s`);
  }
  assertRateLimited(t, await read(herald, '203.0.113.20'), 5, { min: 1, max: 60 }, /requests from this client: at most 5 per minute/);
  t.equal((await read(herald, '203.0.113.21')).statusCode, 200, 'another address reads on');
  t.equal((await read(herald, '203.0.113.20', { authorization: `Bearer ${reader.accessToken}` })).statusCode, 200, 'a signed-in reader at that address too');
  // IPv6 clients are counted per /64: a client cannot escape by changing the low bits.
  for (let i = 1; i <= 5; i++) t.equal((await read(herald, `2001:db8:1:2::${i}`)).statusCode, 200);
  t.equal((await read(herald, '2001:db8:1:2::ffff')).statusCode, 429);
  t.equal((await read(herald, '2001:db8:1:3::1')).statusCode, 200);
});

t.test('health, metrics, the contracts and the documentation are never limited', async (t) => {
  const herald = await startTestHerald(t, { ...HIGH, RATE_LIMIT_PUBLIC: '1/1m', RATE_LIMIT_AUTHENTICATED: '1/1m' });
  for (const url of ['/health/live', '/health/ready', '/metrics', '/openapi.json', '/asyncapi.json', '/docs/']) {
    for (let i = 0; i < 3; i++) {
      const response = await herald.app.inject({ method: 'GET', url });
      t.equal(response.statusCode, 200, `${url} #${i + 1}`);
      t.notOk(response.headers['ratelimit-limit'], `${url}: no RateLimit headers`);
    }
  }
});

t.test('behind a proxy, X-Forwarded-For names the client only when TRUST_PROXY says to trust it', async (t) => {
  const spoofed = (herald: TestHerald, forwardedFor: string) =>
    herald.app.inject({ method: 'GET', url: '/api/v1/products', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': forwardedFor } });
  const direct = await startTestHerald(t, { ...HIGH, RATE_LIMIT_PUBLIC: '1/1m' });
  t.equal((await spoofed(direct, '203.0.113.1')).statusCode, 200);
  t.equal((await spoofed(direct, '203.0.113.2')).statusCode, 429, 'a client cannot escape its limit by claiming another address');
  const proxied = await startTestHerald(t, { ...HIGH, RATE_LIMIT_PUBLIC: '1/1m', TRUST_PROXY: '10.0.0.1' });
  t.equal((await spoofed(proxied, '203.0.113.1')).statusCode, 200);
  t.equal((await spoofed(proxied, '203.0.113.2')).statusCode, 200, 'two clients behind the trusted proxy');
  t.equal((await spoofed(proxied, '203.0.113.1')).statusCode, 429);
});

t.test('limits are "<requests>/<window>" settings with production defaults', async (t) => {
  t.same(loadConfig({}).rateLimits, {
    tokenPerAddress: { max: 25, windowMs: 5 * 60_000 },
    tokenPerHandle: { max: 10, windowMs: 15 * 60_000 },
    authenticated: { max: 1500, windowMs: 5 * 60_000 },
    public: { max: 600, windowMs: 5 * 60_000 },
  });
  t.same(loadConfig({ RATE_LIMIT_PUBLIC: '30/10s' }).rateLimits.public, { max: 30, windowMs: 10_000 });
  t.same(loadConfig({ RATE_LIMIT_TOKEN_PER_HANDLE: '5/1h' }).rateLimits.tokenPerHandle, { max: 5, windowMs: 3_600_000 });
  for (const bad of ['0/1m', '10', '10/1d', '10/m', '-1/1m', 'unlimited']) {
    t.throws(() => loadConfig({ RATE_LIMIT_AUTHENTICATED: bad }), ConfigError, bad);
  }
  t.same(loadConfig({}).trustProxy, false);
  t.same(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1']);
});

t.test('openapi.yaml declares the 429 on every limited operation, with Retry-After and the RateLimit headers', async (t) => {
  type Operation = { operationId: string; responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }> };
  const document = parse(readFileSync(defaultSpecPath, 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
    components: { responses: Record<string, { headers?: Record<string, unknown> }> };
  };
  const operations = Object.values(document.paths).flatMap((item) =>
    Object.entries(item).filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method)).map(([, operation]) => operation),
  );
  t.ok(operations.length >= 20);
  for (const operation of operations) {
    const tooMany = operation.responses['429'];
    if (UNLIMITED_OPERATIONS.has(operation.operationId)) t.notOk(tooMany, `${operation.operationId} is not limited`);
    else t.ok(tooMany?.$ref === '#/components/responses/TooManyRequests' || tooMany?.headers?.['Retry-After'], `${operation.operationId} declares its 429`);
  }
  t.same(Object.keys(document.components.responses.TooManyRequests!.headers ?? {}).sort(), ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After']);
});
