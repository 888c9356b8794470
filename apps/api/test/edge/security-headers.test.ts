import t, { type Test } from 'tap';
import { dashboardUrls } from '../../src/plugins/dashboard.js';
import { startTestHerald } from '../helpers/herald.js';

/** The policy as a map of directive to its sources, e.g. `script-src` -> `'self'`. */
function directives(t: Test, csp: unknown): Map<string, string> {
  t.type(csp, 'string', 'a Content-Security-Policy header');
  return new Map(
    String(csp)
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, ...sources] = part.split(/\s+/);
        return [name!, sources.join(' ')];
      }),
  );
}

t.test('every kind of response carries the security headers', async (t) => {
  const herald = await startTestHerald(t);
  const token = await herald.adminToken();
  const json = { 'content-type': 'application/json' };
  const requests: Array<{ method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: string; status: number }> = [
    { method: 'GET', url: '/health/live', status: 200 },
    { method: 'GET', url: '/api/v1/products', status: 200 },
    { method: 'GET', url: '/openapi.json', status: 200 },
    { method: 'GET', url: '/docs/', status: 200 },
    { method: 'GET', url: '/api/v1/nowhere', status: 404 },
    { method: 'DELETE', url: '/health/live', status: 405 },
    { method: 'POST', url: '/api/v1/products', headers: json, payload: '{}', status: 401 },
    { method: 'POST', url: '/api/v1/products', headers: { ...json, authorization: `Bearer ${token}` }, payload: '{"sku":', status: 400 },
    { method: 'POST', url: '/api/v1/products', headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` }, payload: 'x', status: 415 },
  ];
  if (dashboardUrls().size > 0) requests.push({ method: 'GET', url: '/', status: 200 });
  for (const request of requests) {
    const response = await herald.app.inject(request);
    const { headers } = response;
    const url = `${request.method} ${request.url}`;
    t.equal(response.statusCode, request.status, `${url}: ${request.status}`);
    t.ok(headers['content-security-policy'], `${url} (${response.statusCode}): Content-Security-Policy`);
    t.equal(headers['x-content-type-options'], 'nosniff', `${url}: nosniff`);
    t.equal(headers['x-frame-options'], 'DENY', `${url}: X-Frame-Options`);
    t.equal(headers['referrer-policy'], 'no-referrer', `${url}: Referrer-Policy`);
    t.match(headers['strict-transport-security'], /^max-age=\d+/, `${url}: HSTS`);
    t.equal(headers['cross-origin-resource-policy'], 'same-origin', `${url}: CORP`);
    t.notOk(headers['x-powered-by'], `${url}: no X-Powered-By`);
  }
});

t.test('data responses (JSON, problem+json, metrics) get a policy that allows nothing, and no page-only headers; pages get the page policy', async (t) => {
  const herald = await startTestHerald(t);
  for (const url of ['/api/v1/products', '/api/v1/nowhere', '/health/ready', '/metrics', '/openapi.json']) {
    const { headers, statusCode } = await herald.app.inject({ method: 'GET', url });
    const csp = directives(t, headers['content-security-policy']);
    t.same(Object.fromEntries(csp), { 'default-src': "'none'", 'frame-ancestors': "'none'" }, `${url} (${statusCode}): loads nothing, framed nowhere`);
    for (const pageOnly of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-xss-protection']) {
      t.notOk(headers[pageOnly], `${url}: no ${pageOnly}`);
    }
  }
  for (const url of ['/', '/docs/', '/nowhere']) {
    const { headers } = await herald.app.inject({ method: 'GET', url });
    t.equal(directives(t, headers['content-security-policy']).get('script-src'), "'self'", `${url}: the page policy`);
    t.equal(headers['cross-origin-opener-policy'], 'same-origin', `${url}: COOP`);
  }
});

t.test('the CSP allows this origin only, and the media storage for uploads and images: no inline script, no eval, no plugin, no framing', async (t) => {
  const herald = await startTestHerald(t);
  // The dashboard's policy: every page but /docs has it.
  const response = await herald.app.inject({ method: 'GET', url: '/' });
  const csp = directives(t, response.headers['content-security-policy']);
  const storage = herald.media.publicOrigin;
  t.match(storage, /^https?:\/\/[^/]+$/, 'the storage is one origin');
  t.equal(csp.get('default-src'), "'self'");
  t.equal(csp.get('script-src'), "'self'");
  t.equal(csp.get('script-src-attr'), "'none'");
  t.equal(csp.get('style-src'), "'self'");
  t.equal(csp.get('connect-src'), `'self' ${storage}`, 'the dashboard uploads images straight to storage');
  t.equal(csp.get('img-src'), `'self' data: ${storage}`, 'and shows the converted ones from there');
  t.equal(csp.get('object-src'), "'none'");
  t.equal(csp.get('frame-ancestors'), "'none'");
  t.equal(csp.get('base-uri'), "'self'");
  for (const [name, sources] of csp) {
    t.notMatch(sources, /unsafe-inline|unsafe-eval|\*|https:/, `${name} allows no inline code, eval or other origin`);
  }
  // Served over plain HTTP on the embedded default: an upgrade would break every subresource.
  t.notOk(csp.has('upgrade-insecure-requests'));
});

t.test("under /docs the policy also allows Swagger UI's logo style, by its hash; nowhere else", async (t) => {
  const herald = await startTestHerald(t);
  const docs = directives(t, (await herald.app.inject({ method: 'GET', url: '/docs/static/index.html' })).headers['content-security-policy']);
  const api = directives(t, (await herald.app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
  t.match(docs.get('style-src'), /^'self' 'sha256-[A-Za-z0-9+/]{43}='$/);
  t.equal(api.get('style-src'), "'self'");
  // Swagger UI has no business with the media storage.
  t.equal(docs.get('connect-src'), "'self'");
  t.equal(docs.get('img-src'), "'self' data:");
  for (const name of ['style-src', 'connect-src', 'img-src']) {
    docs.delete(name);
    api.delete(name);
  }
  t.same(docs, api, 'every other directive is the same');
});

t.test('the event stream still streams, with the security headers, under every limit', async (t) => {
  const herald = await startTestHerald(t);
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const response = await fetch(new URL('/api/v1/events/stream', herald.url), {
    headers: { authorization: `Bearer ${await herald.adminToken()}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/event-stream/);
  t.equal(response.headers.get('x-content-type-options'), 'nosniff');
  t.ok(response.headers.get('content-security-policy'));
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  t.match(new TextDecoder().decode(value), /^retry: \d+/, 'the stream has begun');
  abort.abort();
});
