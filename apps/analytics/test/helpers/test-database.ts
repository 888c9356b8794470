import pg from 'pg';
import type { Test } from 'tap';
import { createTestDatabase } from '@herald/stack';
import { migrateAnalytics } from '../../src/index.js';

export { createTestDatabase };

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
  await pool.query(
    'TRUNCATE analytics.processed_events, analytics.event_counts, analytics.inventory, analytics.post_stats, analytics.post_stats_deletions',
  );
}
