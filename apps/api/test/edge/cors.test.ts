import t from 'tap';
import { startTestHerald } from '../helpers/herald.js';

const ALLOWED = 'https://app.example.com';
const OTHER_ALLOWED = 'http://localhost:5173';
const STRANGER = 'https://evil.example.net';

const preflight = (origin: string, url = '/api/v1/products', method = 'POST') => ({
  method: 'OPTIONS' as const,
  url,
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
});

const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith('access-control-'));

t.test('with no CORS_ORIGINS (the default) no response carries CORS headers and a preflight is a 405', async (t) => {
  const herald = await startTestHerald(t);
  const read = await herald.app.inject({ method: 'GET', url: '/api/v1/products', headers: { origin: ALLOWED } });
  t.equal(read.statusCode, 200);
  t.same(corsHeaders(read.headers), []);
  const response = await herald.app.inject(preflight(ALLOWED));
  t.equal(response.statusCode, 405);
  t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(response.headers.allow, /POST/);
  t.same(corsHeaders(response.headers), []);
});

t.test('with CORS_ORIGINS set', async (t) => {
  const herald = await startTestHerald(t, { CORS_ORIGINS: `${ALLOWED},${OTHER_ALLOWED}` });

  t.test('a request from an allowed origin may read the response and the headers that matter', async (t) => {
    for (const origin of [ALLOWED, OTHER_ALLOWED]) {
      const response = await herald.app.inject({ method: 'GET', url: '/api/v1/products', headers: { origin } });
      t.equal(response.statusCode, 200);
      t.equal(response.headers['access-control-allow-origin'], origin);
      t.match(response.headers.vary, /Origin/);
      const exposed = String(response.headers['access-control-expose-headers']).split(/,\s*/);
      for (const name of ['ETag', 'Location', 'Retry-After', 'RateLimit-Remaining', 'WWW-Authenticate', 'X-Request-Id']) {
        t.ok(exposed.includes(name), `${name} is exposed`);
      }
      t.notOk(response.headers['access-control-allow-credentials'], 'no credentials: tokens travel in Authorization');
    }
  });

  t.test('so may its error responses', async (t) => {
    const response = await herald.app.inject({ method: 'GET', url: '/api/v1/products?limit=0', headers: { origin: ALLOWED } });
    t.equal(response.statusCode, 400);
    t.equal(response.headers['access-control-allow-origin'], ALLOWED);
  });

  t.test("a preflight from an allowed origin is answered with the path's methods", async (t) => {
    const response = await herald.app.inject(preflight(ALLOWED));
    t.equal(response.statusCode, 204);
    t.equal(response.body, '');
    t.equal(response.headers['access-control-allow-origin'], ALLOWED);
    t.same(String(response.headers['access-control-allow-methods']).split(/,\s*/).sort(), ['GET', 'POST']);
    const allowedHeaders = String(response.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    for (const name of ['authorization', 'content-type', 'if-match', 'last-event-id']) t.ok(allowedHeaders.includes(name), `${name} may be sent`);
    t.equal(response.headers['access-control-max-age'], '600');

    const item = await herald.app.inject(preflight(OTHER_ALLOWED, '/api/v1/products/0190a1b2-0000-7000-8000-000000000000', 'PATCH'));
    t.equal(item.statusCode, 204);
    t.same(String(item.headers['access-control-allow-methods']).split(/,\s*/).sort(), ['DELETE', 'GET', 'PATCH']);
  });

  t.test('a preflight from any other origin gets no CORS header: the 405 any undeclared method gets', async (t) => {
    const response = await herald.app.inject(preflight(STRANGER));
    t.equal(response.statusCode, 405);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.same(corsHeaders(response.headers), []);
    // An origin is compared whole: scheme, host and port.
    for (const near of ['http://app.example.com', 'https://app.example.com:8443', 'https://app.example.com.evil.net', 'null']) {
      const answer = await herald.app.inject(preflight(near));
      t.equal(answer.statusCode, 405, near);
      t.same(corsHeaders(answer.headers), [], near);
    }
  });

  t.test('a request from any other origin is served, without CORS headers (the browser keeps the response from its script)', async (t) => {
    const response = await herald.app.inject({ method: 'GET', url: '/api/v1/products', headers: { origin: STRANGER } });
    t.equal(response.statusCode, 200);
    t.same(corsHeaders(response.headers), []);
  });

  t.test('an OPTIONS that is no preflight, or that names a path outside the contract, is not answered as one', async (t) => {
    const plain = await herald.app.inject({ method: 'OPTIONS', url: '/api/v1/products', headers: { origin: ALLOWED } });
    t.equal(plain.statusCode, 405);
    t.same(corsHeaders(plain.headers), []);
    const noOrigin = await herald.app.inject({ method: 'OPTIONS', url: '/api/v1/products' });
    t.equal(noOrigin.statusCode, 405);
    const unknown = await herald.app.inject(preflight(ALLOWED, '/api/v1/nowhere'));
    t.equal(unknown.statusCode, 404);
    t.same(corsHeaders(unknown.headers), []);
  });
});

t.test('CORS_ORIGINS takes origins only: a path, a wildcard or a missing scheme is refused at start-up', async (t) => {
  const { loadConfig, ConfigError } = await import('../../src/config.js');
  t.same(loadConfig({ CORS_ORIGINS: `${ALLOWED},${OTHER_ALLOWED}` }).corsOrigins, [ALLOWED, OTHER_ALLOWED]);
  t.same(loadConfig({}).corsOrigins, []);
  for (const bad of ['*', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/path', `${ALLOWED}, ${OTHER_ALLOWED}`]) {
    t.throws(() => loadConfig({ CORS_ORIGINS: bad }), ConfigError, bad);
  }
});
