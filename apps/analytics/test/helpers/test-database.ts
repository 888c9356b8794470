import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import { migrateAnalytics } from '../../src/index.js';

/** Admin URL of the PostgreSQL server the test runner started (tools/stack/src/run-tests.ts). */
function testServerUrl(): string {
  const url = process.env.HERALD_TEST_DATABASE_URL;
  if (!url) throw new Error('HERALD_TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

/** A fresh, empty database, dropped by `drop()`; nothing is shared between test files. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = testServerUrl();
  const name = `herald_analytics_test_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** A migrated database and a pool on it, both closed in the test's teardown. */
export async function migratedDatabase(t: Test): Promise<{ url: string; pool: pg.Pool }> {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  await migrateAnalytics(database.url, quietLogger);
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  t.teardown(() => pool.end());
  return { url: database.url, pool };
}

/** Empties the read model between subtests sharing one database. */
export async function truncateAnalytics(pool: pg.Pool): Promise<void> {
  await pool.query('TRUNCATE analytics.processed_events, analytics.event_counts, analytics.inventory');
}
