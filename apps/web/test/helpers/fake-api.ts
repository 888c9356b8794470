/**
 * A stand-in for the Herald API, just enough for the dashboard: it serves the built dashboard
 * (apps/web/dist, with the SPA fallback), the products endpoints, the analytics endpoints and an
 * SSE event stream with resume, and the posts endpoints of fake-posts.ts. Events are made with the contract's own createEvent, so they are
 * valid Herald events. Like the API, it wants a bearer token on every call (the accounts
 * endpoints are those of fake-auth.ts) and a single-use ticket on the stream, and it serves the
 * dashboard under a strict Content-Security-Policy. For browser tests only; the real API is the
 * reference.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { createFakeAuth, type FakeAuth, type FakeAuthOptions } from './fake-auth.js';
import { createFakePosts, type FakePosts } from './fake-posts.js';

export interface FakeProduct {
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

export interface ProductInput {
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  stock: number;
  low_stock_threshold?: number;
  description?: string;
}

/** One request to /api/..., as the browser made it. */
export interface ApiRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  authorization: string | undefined;
}

/** One GET of the stream, as the browser made it. */
export interface StreamRequest {
  url: URL;
  lastEventIdHeader: string | undefined;
  /** Whether its ticket was valid (issued, not used before). */
  admitted: boolean;
}

export interface FakeApi {
  baseUrl: string;
  /** The accounts endpoints: users, tokens issued, calls made. */
  auth: FakeAuth;
  /** The admin's credentials, for the sign-in form. */
  admin: { handle: string; password: string };
  products: FakeProduct[];
  /** Posts and comments: write them with its methods, which publish their events. */
  posts: FakePosts;
  events: HeraldEvent[];
  streamRequests: StreamRequest[];
  /** Every request to /api/ but the stream and the accounts endpoints, in order. */
  apiRequests: ApiRequest[];
  openStreams(): number;
  /** `silently`: the product is stored without its events, as if they had been missed. */
  createProduct(input: ProductInput, options?: { silently?: boolean }): FakeProduct;
  adjustStock(sku: string, delta: number, reason: string): void;
  renameProduct(sku: string, name: string): void;
  deleteProduct(sku: string): void;
  /** What `GET /api/v1/analytics/consumer-lag` answers: per group, the lag of each partition. */
  setConsumerLag(lag: Record<string, number[]>): void;
  /** Ends every open stream with `event: overflow`, as the API does to a slow reader. */
  overflowStreams(): void;
  /** Ends every open stream without a word, as a network drop or a restart would. */
  dropStreams(): void;
  /** Does not answer stream requests while true (the stream endpoint is "down"). */
  refuseStreams(refuse: boolean): void;
  /** Answers every stream request 401 while true, as for a ticket the API does not accept. */
  rejectTickets(reject: boolean): void;
  close(): Promise<void>;
}

const SOURCE = '/herald/api';
/** What the API's helmet sends at the least: anything inline in the dashboard would be refused. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const SEED: ProductInput[] = [
  { sku: 'TEA-GREEN-100G', name: 'Sencha green tea 100 g', price: { amount: 850, currency: 'EUR' }, stock: 140 },
  { sku: 'TEA-EARL-250G', name: 'Earl Grey 250 g', price: { amount: 1290, currency: 'EUR' }, stock: 64 },
  { sku: 'TEA-OOLONG-50G', name: 'Tieguanyin oolong 50 g', price: { amount: 1450, currency: 'EUR' }, stock: 7 },
  { sku: 'COF-ETH-500G', name: 'Ethiopia Yirgacheffe beans 500 g', price: { amount: 1890, currency: 'EUR' }, stock: 38 },
  { sku: 'COF-COL-1KG', name: 'Colombia Huila beans 1 kg', price: { amount: 3200, currency: 'EUR' }, stock: 21, low_stock_threshold: 15 },
  { sku: 'MUG-STONE-350', name: 'Stoneware mug 350 ml', price: { amount: 1600, currency: 'EUR' }, stock: 4, low_stock_threshold: 6 },
  { sku: 'KETTLE-GOOSE-1L', name: 'Gooseneck kettle 1 l', price: { amount: 5900, currency: 'EUR' }, stock: 12 },
  { sku: 'FILTER-V60-100', name: 'V60 paper filters ×100', price: { amount: 590, currency: 'EUR' }, stock: 230 },
  { sku: 'GRINDER-HAND', name: 'Hand grinder, ceramic burr', price: { amount: 4500, currency: 'EUR' }, stock: 16 },
  { sku: 'TEA-MATCHA-30G', name: 'Ceremonial matcha 30 g', price: { amount: 2400, currency: 'EUR' }, stock: 26 },
  { sku: 'SCALE-01G', name: 'Brewing scale 0.1 g', price: { amount: 3900, currency: 'USD' }, stock: 9 },
];

/** A plausible history of events per minute for the analytics endpoint (deterministic). */
function seededSeries(now: number, minutes: number): { minute: string; type: string; count: number }[] {
  const series: { minute: string; type: string; count: number }[] = [];
  const first = Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000;
  for (let i = 0; i < minutes - 1; i++) {
    const minute = new Date(first + i * 60_000).toISOString();
    const wave = 1 + Math.sin(i / 6);
    const counts: Record<string, number> = {
      StockAdjusted: Math.round(3 + 3 * wave + ((i * 7) % 5)),
      ProductUpdated: Math.round(wave + ((i * 3) % 3)),
      ProductCreated: i % 4 === 0 ? 2 : i % 3 === 0 ? 1 : 0,
      ProductDeleted: i % 11 === 5 ? 1 : 0,
      LowStockWarning: i % 9 === 4 ? 1 : 0,
    };
    for (const [type, count] of Object.entries(counts)) if (count > 0) series.push({ minute, type, count });
  }
  return series;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

function sseMessage(event: HeraldEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export interface FakeApiOptions extends FakeAuthOptions {
  distDir: string;
  seed?: boolean;
  /** How long after a write a post's statistics are "computed"; 'missing': the statistics endpoint answers 404. */
  statsDelayMs?: number | 'missing';
}

export async function startFakeApi({ distDir, seed = true, statsDelayMs, ...authOptions }: FakeApiOptions): Promise<FakeApi> {
  const auth = createFakeAuth(authOptions);
  const products: FakeProduct[] = [];
  const events: HeraldEvent[] = [];
  const streamRequests: StreamRequest[] = [];
  const apiRequests: ApiRequest[] = [];
  let consumerLag: Record<string, number[]> = { notifier: [0, 0, 0], analytics: [0, 0, 0] };
  const streams = new Set<{ res: ServerResponse; types: Set<string> | undefined }>();
  const startedAt = Date.now();
  let refusing = false;
  let rejectingTickets = false;

  function publish(event: HeraldEvent): void {
    events.push(event);
    for (const stream of streams) if (!stream.types || stream.types.has(event.type)) stream.res.write(sseMessage(event));
  }

  function snapshot(p: FakeProduct) {
    const { low_stock: _low, ...rest } = p;
    return rest;
  }

  function createProduct(input: ProductInput, { silently = false } = {}): FakeProduct {
    const now = new Date().toISOString();
    const threshold = input.low_stock_threshold ?? 10;
    const product: FakeProduct = {
      id: randomUUID(),
      sku: input.sku,
      name: input.name,
      description: input.description ?? '',
      price: input.price,
      stock: input.stock,
      low_stock_threshold: threshold,
      low_stock: input.stock <= threshold,
      created_at: now,
      updated_at: now,
      version: 1,
    };
    products.push(product);
    if (silently) return product;
    publish(createEvent({ type: 'ProductCreated', subject: product.id, source: SOURCE, data: { product: snapshot(product) } }));
    if (product.low_stock) publish(lowStockWarning(product, 'created'));
    return product;
  }

  function lowStockWarning(p: FakeProduct, cause: 'created' | 'updated' | 'stock_adjusted') {
    return createEvent({
      type: 'LowStockWarning',
      subject: p.id,
      source: SOURCE,
      data: { product_id: p.id, sku: p.sku, name: p.name, stock: p.stock, low_stock_threshold: p.low_stock_threshold, cause, version: p.version },
    });
  }

  function adjustStock(sku: string, delta: number, reason: string): void {
    const p = products.find((x) => x.sku === sku);
    if (!p) throw new Error(`no product ${sku}`);
    const before = p.stock;
    const wasLow = p.low_stock;
    p.stock = Math.max(0, p.stock + delta);
    p.low_stock = p.stock <= p.low_stock_threshold;
    p.version++;
    p.updated_at = new Date().toISOString();
    publish(
      createEvent({
        type: 'StockAdjusted',
        subject: p.id,
        source: SOURCE,
        data: { product_id: p.id, adjustment_id: randomUUID(), delta: p.stock - before, reason, stock_before: before, stock_after: p.stock, version: p.version },
      }),
    );
    if (p.low_stock && !wasLow) publish(lowStockWarning(p, 'stock_adjusted'));
  }

  function bySku(sku: string): FakeProduct {
    const p = products.find((x) => x.sku === sku);
    if (!p) throw new Error(`no product ${sku}`);
    return p;
  }

  function renameProduct(sku: string, name: string): void {
    const p = bySku(sku);
    const previous = p.name;
    p.name = name;
    p.version++;
    p.updated_at = new Date().toISOString();
    publish(
      createEvent({
        type: 'ProductUpdated',
        subject: p.id,
        source: SOURCE,
        data: { product_id: p.id, version: p.version, changes: { name }, previous: { name: previous }, product: snapshot(p) },
      }),
    );
  }

  function deleteProduct(sku: string): void {
    const p = bySku(sku);
    products.splice(products.indexOf(p), 1);
    publish(
      createEvent({
        type: 'ProductDeleted',
        subject: p.id,
        source: SOURCE,
        data: { product_id: p.id, sku: p.sku, version: p.version, deleted_at: new Date().toISOString() },
      }),
    );
  }

  if (seed) for (const input of SEED) createProduct(input);

  const posts = createFakePosts({ users: auth.users, publish, ...(statsDelayMs !== undefined ? { statsDelayMs } : {}) });
  if (seed) {
    const first = posts.createPost({ id: 'first-brew', title: 'First brew of the season', content: 'Sencha at 70 °C for a minute.\nSweet, grassy, a little nutty.', author: 'alice' }, { silently: true });
    posts.addComment(first.id, 'Try 60 °C, it gets sweeter.', 'admin', { silently: true });
    posts.addComment(first.id, 'And a second steep of 20 s.', 'alice', { silently: true });
    posts.createPost({ title: 'Kettle notes', content: 'The gooseneck pours slower than I thought; good for V60.', author: 'admin' }, { silently: true });
  }

  function openStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const header = req.headers['last-event-id'];
    const admitted = !rejectingTickets && auth.redeemTicket(url.searchParams.get('ticket')) !== undefined;
    streamRequests.push({ url, lastEventIdHeader: typeof header === 'string' ? header : undefined, admitted });
    if (!admitted) {
      res.writeHead(401, { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ type: 'urn:herald:problem:unauthorized', title: 'Unauthorized', status: 401 }));
      return;
    }
    if (refusing) {
      sendJson(res, 503, { type: 'urn:herald:problem:unavailable', title: 'Service Unavailable', status: 503 });
      return;
    }
    const typesParam = url.searchParams.get('types');
    const types = typesParam ? new Set(typesParam.split(',')) : undefined;
    const resumeAfter = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('last_event_id') ?? undefined;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    if (resumeAfter) {
      const from = events.findIndex((e) => e.id === resumeAfter);
      for (const event of events.slice(from + 1)) if (!types || types.has(event.type)) res.write(sseMessage(event));
    }
    const stream = { res, types };
    streams.add(stream);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 5000);
    res.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(stream);
    });
  }

  async function serveStatic(url: URL, res: ServerResponse): Promise<void> {
    const path = normalize(join(distDir, decodeURIComponent(url.pathname)));
    if (!path.startsWith(normalize(distDir + sep)) && path !== normalize(distDir)) {
      sendJson(res, 404, { title: 'Not Found', status: 404 });
      return;
    }
    let file = path;
    const info = await stat(file).catch(() => undefined);
    if (!info || info.isDirectory()) {
      // SPA fallback: a path without a file extension gets the app; a missing asset is a 404.
      if (extname(url.pathname) !== '') {
        sendJson(res, 404, { title: 'Not Found', status: 404 });
        return;
      }
      file = join(distDir, 'index.html');
    }
    const body = await readFile(file);
    const immutable = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': CSP,
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    const authorization = req.headers.authorization;
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const accounts = auth.handle(req.method ?? 'GET', url.pathname, authorization, body);
    if (accounts) {
      res.writeHead(accounts.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...accounts.headers });
      res.end(accounts.body === undefined ? undefined : JSON.stringify(accounts.body));
      return;
    }
    if (url.pathname.startsWith('/api/') && url.pathname !== '/api/v1/events/stream') {
      apiRequests.push({ method: req.method ?? 'GET', path: url.pathname, search: url.searchParams, authorization });
      if (!auth.principal(authorization)) {
        res.writeHead(401, { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer' });
        res.end(JSON.stringify({ type: 'urn:herald:problem:unauthorized', title: 'Unauthorized', status: 401 }));
        return;
      }
    }
    const postsReply = posts.handle(req.method ?? 'GET', url);
    if (postsReply) {
      res.writeHead(postsReply.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...postsReply.headers });
      res.end(postsReply.body === undefined ? undefined : JSON.stringify(postsReply.body));
      return;
    }
    const productPath = /^\/api\/v1\/products\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && productPath) {
      const p = products.find((x) => x.id === decodeURIComponent(productPath[1]!));
      return p ? sendJson(res, 200, p) : sendJson(res, 404, { title: 'Not Found', status: 404 });
    }
    switch (route) {
      case 'GET /api/v1/events/stream':
        return openStream(req, res, url);
      case 'GET /api/v1/products': {
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 5); // small pages: the client must follow cursors
        const start = Number(Buffer.from(url.searchParams.get('cursor') ?? 'MA', 'base64url').toString() || 0);
        const items = products.slice(start, start + limit);
        const next = start + limit < products.length ? Buffer.from(String(start + limit)).toString('base64url') : null;
        return sendJson(res, 200, { items, next_cursor: next });
      }
      case 'POST /api/v1/products': {
        const input = body as ProductInput;
        if (products.some((p) => p.sku === input.sku)) return sendJson(res, 409, { title: 'Conflict', status: 409 });
        return sendJson(res, 201, createProduct(input));
      }
      case 'GET /api/v1/analytics/events': {
        const minutes = Number(url.searchParams.get('minutes') ?? 60);
        const now = Date.now();
        const live = new Map<string, number>();
        for (const e of events) {
          if (Date.parse(e.time) < startedAt) continue;
          const key = `${new Date(Math.floor(Date.parse(e.time) / 60_000) * 60_000).toISOString()} ${e.type}`;
          live.set(key, (live.get(key) ?? 0) + 1);
        }
        const series = seededSeries(now, minutes);
        for (const [key, count] of live) {
          const [minute, type] = key.split(' ') as [string, string];
          series.push({ minute, type, count });
        }
        return sendJson(res, 200, { from: new Date(now - minutes * 60_000).toISOString(), to: new Date(now).toISOString(), series });
      }
      // The signed-in user's notifications: none (the header badge reads the count).
      case 'GET /api/v1/me/notifications':
        return sendJson(res, 200, { items: [], unread_count: 0, next_cursor: null });
      case 'POST /api/v1/me/notifications/read':
        res.writeHead(204).end();
        return;
      case 'GET /api/v1/analytics/consumer-lag': {
        const partitions = (lags: number[]) =>
          lags.map((lag, partition) => ({ topic: 'herald.products', partition, committed_offset: String(100 - lag), high_watermark: '100', lag }));
        return sendJson(res, 200, {
          transport: 'embedded',
          groups: Object.entries(consumerLag).map(([group, lags]) => ({ group, lag: lags.reduce((a, b) => a + b, 0), partitions: partitions(lags) })),
        });
      }
      case 'GET /api/v1/analytics/inventory': {
        const value = new Map<string, number>();
        for (const p of products) value.set(p.price.currency, (value.get(p.price.currency) ?? 0) + p.price.amount * p.stock);
        return sendJson(res, 200, {
          product_count: products.length,
          units_in_stock: products.reduce((n, p) => n + p.stock, 0),
          stock_value: [...value].map(([currency, amount]) => ({ amount: String(amount), currency })),
          low_stock: products.filter((p) => p.low_stock).map(({ id, sku, name, stock, low_stock_threshold }) => ({ id, sku, name, stock, low_stock_threshold })),
          updated_at: events.at(-1)?.time ?? null,
        });
      }
      default:
        if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { title: 'Not Found', status: 404 });
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { title: 'Method Not Allowed', status: 405 });
        return serveStatic(url, res);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { title: 'Internal Server Error', status: 500, detail: String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function endStreams(final?: string): void {
    for (const stream of [...streams]) {
      if (final) stream.res.write(final);
      stream.res.end();
      streams.delete(stream);
    }
  }

  const admin = auth.users.find((u) => u.role === 'admin')!;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    auth,
    admin: { handle: admin.handle, password: admin.password },
    products,
    posts,
    events,
    streamRequests,
    apiRequests,
    openStreams: () => streams.size,
    createProduct,
    adjustStock,
    renameProduct,
    deleteProduct,
    setConsumerLag(lag) {
      consumerLag = lag;
    },
    overflowStreams: () => endStreams('event: overflow\ndata: {"reason":"client too slow"}\n\n'),
    dropStreams: () => endStreams(),
    refuseStreams(refuse) {
      refusing = refuse;
    },
    rejectTickets(reject) {
      rejectingTickets = reject;
    },
    close() {
      endStreams();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
