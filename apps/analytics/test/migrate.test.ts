import t from 'tap';
import pg from 'pg';
import { readdir } from 'node:fs/promises';
import { migrateAnalytics } from '../src/index.js';
import { analyticsMigrationsDir } from '../src/migrate.js';
import { createTestDatabase, quietLogger } from './helpers/test-database.js';

t.test('instances starting together migrate once, in the analytics schema only', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const runs = await Promise.all([1, 2, 3].map(() => migrateAnalytics(database.url, quietLogger)));
  const files = (await readdir(analyticsMigrationsDir)).filter((name) => name.endsWith('.sql'));
  t.equal(runs.flat().length, files.length, 'each migration was applied by exactly one of them; the others waited and found nothing to do');
  t.equal(runs.filter((run) => run.length > 0).length, 1, 'one of them applied them all');
  t.same(await migrateAnalytics(database.url, quietLogger), [], 'a later start applies nothing');

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  t.same(
    rows.map((row) => `${row.schema}.${row.name}`),
    [
      'analytics.analytics_migrations',
      'analytics.event_counts',
      'analytics.inventory',
      'analytics.post_stats',
      'analytics.post_stats_deletions',
      'analytics.processed_events',
    ],
    "its history is its own: the API's pgmigrations is not touched",
  );
});
