import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const analyticsMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** Where analytics keeps its tables, and its migration history. */
export const ANALYTICS_SCHEMA = 'analytics';
const MIGRATIONS_TABLE = 'analytics_migrations';
/**
 * Advisory lock of analytics migrations, distinct from node-pg-migrate's default (the API's), so
 * neither history waits on the other; replicas of the same app still queue on it.
 */
const MIGRATION_LOCK_ID = 7_241_865_325_824_001;

export interface MigrationLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * Brings the `analytics` schema up to date: run it once before `startAnalytics` or the standalone
 * process consumes anything. Its history is kept in `analytics.analytics_migrations`, apart from
 * the API's `pgmigrations`. Concurrent starts wait on the advisory lock instead of failing.
 * Returns the names of the migrations applied now.
 */
export async function migrateAnalytics(databaseUrl: string, logger: MigrationLogger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: analyticsMigrationsDir,
    direction: 'up',
    schema: ANALYTICS_SCHEMA,
    createSchema: true,
    migrationsSchema: ANALYTICS_SCHEMA,
    createMigrationsSchema: true,
    migrationsTable: MIGRATIONS_TABLE,
    lockValue: MIGRATION_LOCK_ID,
    advisoryLockMode: 'wait',
    logger: {
      debug: () => {},
      info: (msg: string) => logger.info(msg),
      warn: (msg: string) => logger.warn(msg),
      error: (msg: string) => logger.error(msg),
    },
  });
  return applied.map((migration) => migration.name);
}
