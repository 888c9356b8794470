import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicName, type HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord, EventTransport } from '@herald/event-transport';
import { pino, type Logger } from 'pino';
import { loadConfig as loadNotifierConfig } from '@herald/notifier';
import { loadConfig } from '../../src/config.js';
import { startHerald, type Herald } from '../../src/runtime.js';
import { createTestDatabase } from './test-database.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Who a test request is from: the admin (default), nobody, or the holder of this access token. */
export type RequestAs = 'admin' | 'anonymous' | (string & {}) | { token: string };

export interface TestUser {
  id: string;
  handle: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export interface TestHerald extends Herald {
  topic: string;
  topicPrefix: string;
  /** The password of the `admin` account (HERALD_ADMIN_PASSWORD of this instance). */
  adminPassword: string;
  /** Fastify inject with JSON conveniences; signed in as the admin unless `as` says otherwise. */
  request(options: { method: string; url: string; body?: unknown; headers?: Record<string, string>; as?: RequestAs }): Promise<{
    statusCode: number;
    headers: Record<string, unknown>;
    json: <T = any>() => T;
    body: string;
  }>;
  /** An access token of the admin (signed in once, then reused). */
  adminToken(): Promise<string>;
  /** Registers a user (a fresh handle unless given) and signs them in. */
  signUp(handle?: string): Promise<TestUser>;
}

/** DynamoDB and S3 endpoints of the real-stack run (unset otherwise: embedded servers are used). */
function stackEnv(): Record<string, string> {
  const names = ['DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'MEDIA_NOTIFICATION_ARN', 'REDIS_URL'];
  return Object.fromEntries(names.filter((name) => process.env[name]).map((name) => [name, process.env[name]!]));
}

/** The broker the suite runs against: a real Kafka when the runner started one, else embedded. */
export const kafkaBrokers = process.env.KAFKA_BROKERS;
export const onRealBroker = Boolean(kafkaBrokers);

/**
 * Starts the complete API (its own database, its own topic prefix, the real publisher worker and
 * the transport of this run) on an ephemeral port, and stops it in teardown.
 */
export async function startTestHerald(
  t: Teardown,
  overrides: Record<string, string> = {},
  /** Where its logs go (default nowhere). */
  logger: Logger = pino({ level: 'silent' }),
): Promise<TestHerald> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-test-'));
  const topicPrefix = `t${randomUUID().slice(0, 8)}.`;
  const adminPassword = `admin-${randomUUID()}`;
  const env = {
    HERALD_ADMIN_PASSWORD: adminPassword,
    // Tests make many users, sign-ins and writes from one address; tests of the limits set their own.
    RATE_LIMIT_TOKEN_PER_ADDRESS: '1000000/1m',
    RATE_LIMIT_TOKEN_PER_HANDLE: '1000000/1m',
    RATE_LIMIT_AUTHENTICATED: '1000000/1m',
    RATE_LIMIT_PUBLIC: '1000000/1m',
    DATABASE_URL: database.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    TOPIC_PREFIX: topicPrefix,
    OUTBOX_SWEEP_INTERVAL_MS: '100',
    PUBLISH_RETRY_MAX_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Most tests exercise the API alone; tests of the consumers turn them on.
    IN_PROCESS_CONSUMERS: 'false',
    // Embedded DynamoDB/S3 on free ports, and a table and bucket of this test's own on real servers.
    EMBEDDED_DYNAMODB_PORT: '0',
    EMBEDDED_S3_PORT: '0',
    EVENT_LOG_TABLE: `herald-events-${topicPrefix.slice(1, -1)}`,
    S3_BUCKET: `herald-archive-${topicPrefix.slice(1, -1)}`,
    MEDIA_BUCKET: `herald-media-${topicPrefix.slice(1, -1)}`,
    ...(kafkaBrokers ? { KAFKA_BROKERS: kafkaBrokers } : {}),
    ...stackEnv(),
    ...overrides,
  };
  const herald = await startHerald(loadConfig(env), loadNotifierConfig(env), logger);
  // Tests read the topic right away; the API itself does not wait for this. Nor for the admin's
  // UserRegistered to be published: tests start once it is, so what they count is their own.
  if (await herald.topicsReady) {
    await eventually(async () => (await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0, 30_000, 20);
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await herald.close();
  };
  t.teardown(async () => {
    await close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const inject = async ({ method, url, body, headers }: { method: string; url: string; body?: unknown; headers?: Record<string, string> }) =>
    herald.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  let adminToken: Promise<string> | undefined;
  const getAdminToken = () => (adminToken ??= tokenOf('admin', adminPassword).then((tokens) => tokens.access_token));
  const tokenOf = async (handle: string, password: string) => {
    const response = await inject({ method: 'POST', url: '/api/v1/auth/token', body: { handle, password } });
    if (response.statusCode !== 200) throw new Error(`sign-in as ${handle} failed: ${response.statusCode} ${response.body}`);
    return response.json<{ access_token: string; refresh_token: string }>();
  };
  return {
    ...herald,
    close,
    topicPrefix,
    adminPassword,
    topic: topicName('products', topicPrefix),
    adminToken: getAdminToken,
    async signUp(handle = `u${randomUUID().replaceAll('-', '').slice(0, 12)}`) {
      const password = `pw-${randomUUID()}`;
      const created = await inject({ method: 'POST', url: '/api/v1/users', body: { handle, password } });
      if (created.statusCode !== 201) throw new Error(`registering ${handle} failed: ${created.statusCode} ${created.body}`);
      const tokens = await tokenOf(handle, password);
      return { id: created.json<{ id: string }>().id, handle: handle.toLowerCase(), password, accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
    },
    async request({ method, url, body, headers, as = 'admin' }) {
      const token = as === 'anonymous' ? undefined : as === 'admin' ? await getAdminToken() : typeof as === 'string' ? as : as.token;
      const response = await herald.app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { statusCode: response.statusCode, headers: response.headers, json: () => response.json(), body: response.body };
    },
  };
}

export interface ReceivedEvent {
  record: DeliveredRecord;
  event: HeraldEvent;
}

/**
 * Reads a topic from the beginning with a consumer group of its own until `until` is satisfied
 * or `timeoutMs` passes; returns everything received (duplicates included, so tests can see them).
 */
export async function readTopic(
  transport: EventTransport,
  topic: string,
  until: (received: ReceivedEvent[]) => boolean,
  timeoutMs = 20_000,
  /** Keeps reading this long after `until` holds, so that an unexpected extra event is seen too. */
  settleMs = 500,
): Promise<ReceivedEvent[]> {
  const received: ReceivedEvent[] = [];
  const consumer = transport.createConsumer({ groupId: `test-${randomUUID()}`, topics: [topic], fromBeginning: true });
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run(async (record) => {
    received.push({ record, event: JSON.parse(record.value) as HeraldEvent });
    if (until(received)) finish();
  });
  const timer = setTimeout(finish, timeoutMs);
  if (until(received)) finish();
  await done;
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await consumer.stop();
  return received;
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const validProduct = (overrides: Record<string, unknown> = {}) => ({
  sku: `SKU-${randomUUID().slice(0, 8)}`,
  name: 'Green tea',
  description: 'Sencha, 100 g',
  price: { amount: 450, currency: 'EUR' },
  stock: 50,
  low_stock_threshold: 10,
  ...overrides,
});

/** Signs in over HTTP (for tests of an API in a process of its own) and returns the access token. */
export async function signInOver(baseUrl: string, handle: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in as ${handle} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
