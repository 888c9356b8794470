import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { features } from '../features.js';

/** The platform's migrations (the outbox, and the products tables that came first). */
export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Every migration file: the platform's and each feature's, applied in the order of their names. */
function migrationGlobs(): string[] {
  const dirs = [migrationsDir, ...features.flatMap((feature) => (feature.migrationsDir ? [feature.migrationsDir] : []))];
  return dirs.map((dir) => `${dir}/*.{sql,js,ts}`);
}

interface MigrationLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * Brings the schema up to date. Concurrent starts of several instances wait on the migration
 * advisory lock instead of failing, so any number of replicas can start at once.
 */
export async function migrateUp(databaseUrl: string, logger: MigrationLogger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationGlobs(),
    useGlob: true,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    advisoryLockMode: 'wait',
    logger: { debug: () => {}, info: (msg: string) => logger.info(msg), warn: logger.warn, error: logger.error },
  });
  return applied.map((migration) => migration.name);
}
