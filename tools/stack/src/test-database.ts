import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Admin URL of the PostgreSQL server the test runner started (run-tests.ts). */
export function testServerUrl(): string {
  const url = process.env.HERALD_TEST_DATABASE_URL;
  if (!url) throw new Error('HERALD_TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

/**
 * A fresh, empty database per test file, so files run in parallel without sharing rows and no
 * test depends on data another left behind. Dropped in teardown.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = testServerUrl();
  const name = `herald_test_${randomUUID().replace(/-/g, '')}`;
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
      // A pool that has just ended has sent its goodbyes, but its backends may still be on their
      // way out: FORCE would terminate them, and a client still closing reports that as an error
      // of the test. Give them up to a second to leave first.
      for (let waited = 0; waited < 1_000; waited += 20) {
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (rows[0]!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
