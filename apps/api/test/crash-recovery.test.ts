import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { topicName } from '@herald/event-schemas';
import { createEmbeddedBroker, createKafkaTransport } from '@herald/event-transport';
import { findFreePort } from '@herald/stack';
import pg from 'pg';
import t from 'tap';
import { eventually, kafkaBrokers, readTopic, signInOver, validProduct } from './helpers/herald.js';
import { createTestDatabase } from './helpers/test-database.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the API as `npm start` does, in a process of its own that the test can kill. */
function startApiProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function waitForLive(baseUrl: string) {
  await eventually(async () => (await fetch(`${baseUrl}/health/live`).catch(() => undefined))?.ok, 60_000, 200);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

t.test('events committed before the API is SIGKILLed are published after it restarts', async (t) => {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-crash-'));
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const child of children) child.kill('SIGKILL');
    await db.end();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const topicPrefix = `crash${randomUUID().slice(0, 8)}.`;
  const adminPassword = `admin-${randomUUID()}`;
  const common = {
    DATABASE_URL: database.url,
    PORT: String(port),
    DATA_DIR: dataDir,
    TOPIC_PREFIX: topicPrefix,
    OUTBOX_SWEEP_INTERVAL_MS: '100',
    HERALD_ADMIN_PASSWORD: adminPassword,
  };

  // First life: the broker it is given does not answer, so committed events stay in the outbox.
  const unreachable = `127.0.0.1:${await findFreePort()}`;
  const first = startApiProcess({ ...common, KAFKA_BROKERS: unreachable });
  children.push(first);
  await waitForLive(baseUrl);
  const token = await signInOver(baseUrl, 'admin', adminPassword);
  const created: string[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${baseUrl}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(validProduct({ stock: 100 })),
    });
    t.equal(response.status, 201);
    created.push(((await response.json()) as { id: string }).id);
  }
  const pending = await db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND topic = $1', [topicName('products', topicPrefix)]);
  t.equal(pending.rows[0].n, 5, 'the events are committed but not published');

  first.kill('SIGKILL');
  await exited(first);

  // Second life: a working broker (the real one, or the embedded one keeping its log in DATA_DIR).
  const second = startApiProcess({ ...common, ...(kafkaBrokers ? { KAFKA_BROKERS: kafkaBrokers } : {}) });
  children.push(second);
  await waitForLive(baseUrl);
  await eventually(async () => {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    return rows[0].n === 0;
  }, 60_000, 200);
  second.kill('SIGTERM');
  await exited(second);

  const topic = topicName('products', topicPrefix);
  const transport = kafkaBrokers
    ? createKafkaTransport({ brokers: kafkaBrokers.split(','), clientId: 'crash-test' })
    : createEmbeddedBroker({ dataDir: join(dataDir, 'broker') });
  t.teardown(() => transport.close());
  const received = await readTopic(transport, topic, (r) => r.length >= 5, 30_000);
  t.same(
    received.map((r) => r.event.subject).sort(),
    [...created].sort(),
    'each product created before the crash has its ProductCreated event, once',
  );
  t.ok(received.every((r) => r.event.type === 'ProductCreated'));
});
