import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAsyncApiDocument } from '@herald/event-schemas';
import Fastify, { type FastifyInstance } from 'fastify';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { createEmbeddedBroker } from '@herald/event-transport';
import { dashboardUrls } from '../src/plugins/dashboard.js';
import t from 'tap';
import { parse } from 'yaml';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { healthRoutes } from '../src/health/routes.js';
import { defaultSpecPath } from '../src/openapi/spec.js';
import { errorHandlerPlugin } from '../src/plugins/error-handler.js';
import { openApiPlugin } from '../src/plugins/openapi.js';
import { idleHub, stubPublisher } from './helpers/app-stubs.js';
import { testServerUrl } from './helpers/test-database.js';

/**
 * The HTTP surface is openapi.yaml and nothing else. These tests build the app without starting
 * it (no migrations, no worker): a stub publisher and a pool that is never queried suffice.
 */

const specText = readFileSync(defaultSpecPath, 'utf8');
/** The document as a reader of openapi.yaml sees it, parsed here independently of src/openapi. */
const document = parse(specText) as { paths: Record<string, Record<string, { operationId?: string }>> };
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const documentOperations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({
      operationId: operation.operationId!,
      method: method.toUpperCase(),
      url: path.replace(/\{(\w+)\}/g, ':$1'),
    })),
);



const pool = createPool(testServerUrl(), 1, 'herald-contract-test');
t.teardown(() => pool.end());

async function freshApp(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', ...env }), pool, publisher: stubPublisher, eventHub: idleHub, transport: createEmbeddedBroker() });
  t.teardown(() => app.close());
  return app;
}

/** Every (method, URL) the router holds, read back from `printRoutes()`'s tree. */
function servedRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    segments.length = match[1]!.length / 4;
    segments.push(match[2]!);
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) {
      routes.push({ method, url: segments.join('') });
    }
  }
  return routes;
}

const isDocumentation = (url: string) => url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/');
const key = (route: { method: string; url: string }) => `${route.method} ${route.url}`;

t.test('the routes are read back from the router in full', async (t) => {
  const served = servedRoutes(await freshApp(t)).map(key);
  // Guards the parser below: a route at each depth of the tree, and the documentation routes.
  t.ok(served.includes('POST /api/v1/products'));
  t.ok(served.includes('PATCH /api/v1/products/:id'));
  t.ok(served.includes('POST /api/v1/products/:id/stock-adjustments'));
  t.ok(served.includes('GET /docs/static/index.html'));
});

t.test('the app decodes the same operations from openapi.yaml as a plain reading of the file', async (t) => {
  const app = await freshApp(t);
  const decoded = app.openapi.operations.map((op) => ({ operationId: op.operationId, method: op.method, url: op.url }));
  t.same(decoded.sort((a, b) => a.operationId.localeCompare(b.operationId)), [...documentOperations].sort((a, b) => a.operationId.localeCompare(b.operationId)));
  t.ok(documentOperations.length >= 10, `${documentOperations.length} operations`);
});

t.test('every operation of openapi.yaml is served at the method and URL the document gives it', async (t) => {
  const app = await freshApp(t);
  const served = new Set(servedRoutes(app).map(key));
  for (const operation of documentOperations) {
    t.ok(served.has(key(operation)), `${operation.operationId}: ${key(operation)}`);
    t.ok(app.hasRoute({ method: operation.method as 'GET', url: operation.url }), `${operation.operationId} has a route`);
  }
});

t.test('every route the app serves, apart from the documentation and the dashboard files, is an operation of openapi.yaml', async (t) => {
  const operations = new Set(documentOperations.map(key));
  const dashboard = dashboardUrls();
  const served = servedRoutes(await freshApp(t)).filter(
    (route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && !isDocumentation(route.url) && !dashboard.has(route.url),
  );
  for (const route of served) t.ok(operations.has(key(route)), `${key(route)} is an operation`);
  t.equal(served.length, documentOperations.length, 'one route per operation');
});

t.test('a route that is not in openapi.yaml makes start-up fail', async (t) => {
  const app = await freshApp(t);
  await t.rejects(async () => {
    app.get('/api/v1/products/export', async () => 'csv');
    await app.ready();
  }, /route GET \/api\/v1\/products\/export is not an operation of openapi.yaml/);
});

t.test('a route that names an operation but not its method and URL makes start-up fail', async (t) => {
  const app = await freshApp(t);
  await t.rejects(async () => {
    app.get('/api/v2/products', { config: { operationId: 'listProducts' } }, async () => []);
    await app.ready();
  }, /is not an operation of openapi.yaml/, 'another URL');
  const other = await freshApp(t);
  await t.rejects(async () => {
    other.put('/api/v1/products/:id', { config: { operationId: 'updateProduct' } }, async () => ({}));
    await other.ready();
  }, /is not an operation of openapi.yaml/, 'another method');
});

t.test('only /docs and what lies below it is exempt as documentation, not every URL starting with /docs', async (t) => {
  const app = await freshApp(t);
  await t.rejects(async () => {
    app.get('/docsearch', async () => 'found');
    await app.ready();
  }, /route GET \/docsearch is not an operation of openapi.yaml/);
});

t.test('an operation of openapi.yaml without a handler makes start-up fail, naming it', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(errorHandlerPlugin);
  await app.register(openApiPlugin);
  await app.register(healthRoutes, { pool, publisher: stubPublisher });
  const error = await app.ready().then(
    () => undefined,
    (caught: Error) => caught,
  );
  t.ok(error, 'ready() rejects');
  t.match(error?.message, /^openapi.yaml operations without a handler: /);
  for (const { operationId } of documentOperations.filter((op) => !['getLiveness', 'getReadiness'].includes(op.operationId))) {
    t.match(error?.message, operationId);
  }
  t.notMatch(error?.message, 'getLiveness');
});

t.test('an operation cannot be given two handlers', async (t) => {
  const app = await freshApp(t);
  t.throws(() => app.openapi.route(app, 'getLiveness', async () => ({ status: 'ok' })), /operation getLiveness registered twice/);
  t.throws(() => app.openapi.route(app, 'launchRocket', async () => ({})), /openapi.yaml has no operation launchRocket/);
});

t.test('/openapi.json serves openapi.yaml as JSON', async (t) => {
  const app = await freshApp(t);
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^application\/json/);
  const served = response.json();
  t.same(Object.keys(served.paths), Object.keys(document.paths), 'the same paths, in the same order');
  t.strictSame(served, JSON.parse(JSON.stringify(parse(specText))), 'the whole document, unchanged');
});

t.test('/docs serves Swagger UI for the document', async (t) => {
  const app = await freshApp(t);
  const page = await app.inject({ method: 'GET', url: '/docs' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.body, /swagger-ui/i);
  const spec = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(spec.statusCode, 200);
  t.same(Object.keys(spec.json().paths), Object.keys(document.paths), 'the UI reads the same document');
});

t.test('/asyncapi.json is the event contract built for this deployment: its topic prefix, partitions and broker', async (t) => {
  const app = await freshApp(t, { TOPIC_PREFIX: 'contract-test.', TOPIC_PARTITIONS: '7', KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092' });
  const response = await app.inject({ method: 'GET', url: '/asyncapi.json' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^application\/json/);
  const expected = buildAsyncApiDocument({ topicPrefix: 'contract-test.', partitions: 7, servers: { kafka: 'kafka-1:9092' } });
  t.strictSame(response.json(), JSON.parse(JSON.stringify(expected)));
  t.match(response.body, '"address":"contract-test.herald.products"', 'topic names carry the prefix');
});

t.test('/asyncapi.json lists no server when the embedded broker is used', async (t) => {
  const app = await freshApp(t, { TOPIC_PREFIX: 'embedded.', KAFKA_BROKERS: '' });
  const served = (await app.inject({ method: 'GET', url: '/asyncapi.json' })).json();
  const expected = buildAsyncApiDocument({ topicPrefix: 'embedded.', partitions: 3 });
  t.strictSame(served, JSON.parse(JSON.stringify(expected)));
});

type RawOperation = {
  operationId: string;
  requestBody?: { content: Record<string, unknown> };
  parameters?: Array<{ $ref?: string; name?: string; in?: string }>;
  responses: Record<string, { links?: Record<string, { operationId: string; parameters?: Record<string, string> }> }>;
};
const rawOperations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ path, method, operation: operation as unknown as RawOperation })),
);

t.test('every operation that reads a body declares 413 and 415; a DELETE, which refuses one, declares 415', async (t) => {
  for (const { method, operation } of rawOperations) {
    const statuses = Object.keys(operation.responses);
    if (operation.requestBody) {
      t.ok(statuses.includes('413') && statuses.includes('415'), `${operation.operationId} declares 413 and 415`);
    } else if (method === 'delete') {
      t.ok(statuses.includes('415'), `${operation.operationId} declares 415`);
      t.notOk(statuses.includes('413'), `${operation.operationId} never reads a body, so never answers 413`);
    }
  }
});

/** Operations that change state without a token, on purpose: signing up and signing in. */
const PUBLIC_WRITES = ['createUser', 'issueToken', 'refreshToken'];

t.test('every write operation declares its security requirement; only registration and sign-in are public on purpose', async (t) => {
  const schemes = (parse(specText) as { components: { securitySchemes?: Record<string, unknown> } }).components.securitySchemes ?? {};
  t.ok(schemes.bearerAuth, 'the bearer scheme is declared');
  for (const { method, operation } of rawOperations) {
    const security = (operation as { security?: Array<Record<string, string[]>> }).security;
    for (const requirement of security ?? []) {
      for (const scheme of Object.keys(requirement)) t.ok(schemes[scheme], `${operation.operationId}: scheme ${scheme} is declared`);
    }
    if (method === 'get') continue;
    if (PUBLIC_WRITES.includes(operation.operationId)) {
      t.same(security, [], `${operation.operationId} says explicitly that it is public`);
      continue;
    }
    t.ok(security && security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0), `${operation.operationId} (${method.toUpperCase()}) needs a token`);
    const statuses = Object.keys(operation.responses);
    t.ok(statuses.includes('401'), `${operation.operationId} declares 401`);
  }
});

t.test('without a token, every write operation except the public ones answers 401 before anything else', async (t) => {
  const app = await freshApp(t);
  for (const { path, method, operation } of rawOperations) {
    if (method === 'get' || PUBLIC_WRITES.includes(operation.operationId)) continue;
    const url = path.replace(/\{\w+\}/g, '01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b');
    const response = await app.inject({ method: method.toUpperCase() as 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{}' });
    t.equal(response.statusCode, 401, `${method.toUpperCase()} ${path}`);
    t.match(response.headers['www-authenticate'], /^Bearer/);
  }
});

t.test('every link of openapi.yaml names an operation and parameters that operation has', async (t) => {
  const byId = new Map(rawOperations.map((entry) => [entry.operation.operationId, entry]));
  let links = 0;
  for (const { operation } of rawOperations) {
    for (const response of Object.values(operation.responses)) {
      for (const [name, link] of Object.entries(response.links ?? {})) {
        links++;
        const target = byId.get(link.operationId);
        t.ok(target, `${name}: ${link.operationId} exists`);
        if (!target) continue;
        const shared = ((document.paths[target.path] as { parameters?: RawOperation['parameters'] }).parameters ?? []);
        const declared = [...shared, ...(target.operation.parameters ?? [])].map((p) => {
          const resolved = p.$ref ? (parse(specText).components.parameters[p.$ref.split('/').pop()!] as { name: string; in: string }) : (p as { name: string; in: string });
          return resolved.in === 'path' || resolved.in === 'query' ? resolved.name : `${resolved.in}.${resolved.name}`;
        });
        for (const parameter of Object.keys(link.parameters ?? {})) t.ok(declared.includes(parameter), `${name}: ${link.operationId} has ${parameter}`);
      }
    }
  }
  t.ok(links >= 7, `${links} links`);
});

t.test('contract.generated.ts is exactly what openapi-typescript makes of openapi.yaml', async (t) => {
  const generatedPath = fileURLToPath(new URL('../src/openapi/contract.generated.ts', import.meta.url));
  const expected = `${COMMENT_HEADER}${astToString(await openapiTS(pathToFileURL(defaultSpecPath)))}`;
  const actual = readFileSync(generatedPath, 'utf8');
  t.equal(
    actual,
    expected,
    'regenerate with `cd apps/api && npx openapi-typescript ../../openapi.yaml -o src/openapi/contract.generated.ts`',
  );
});

t.test('the built dashboard is served at / and answers browser navigations, while unknown API paths stay JSON 404s', { skip: dashboardUrls().size === 0 && 'apps/web is not built (npm run build -w apps/web)' }, async (t) => {
  const app = await freshApp(t);
  const root = await app.inject({ method: 'GET', url: '/' });
  t.equal(root.statusCode, 200);
  t.match(root.headers['content-type'], /text\/html/);
  const asset = [...dashboardUrls()].find((url) => url.startsWith('/assets/'));
  if (asset) {
    const served = await app.inject({ method: 'GET', url: asset });
    t.equal(served.statusCode, 200);
    t.match(served.headers['cache-control'], /immutable/, 'hashed assets are cached for good');
  }
  const navigation = await app.inject({ method: 'GET', url: '/products/low-stock', headers: { accept: 'text/html' } });
  t.equal(navigation.statusCode, 200, 'a client-side route gets the app');
  t.match(navigation.body, /<html/i);
  const api = await app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: { accept: 'text/html' } });
  t.equal(api.statusCode, 404);
  t.match(api.headers['content-type'], /application\/problem\+json/);
});
