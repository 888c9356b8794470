/**
 * The analytics consumer as its own process (docker compose): DATABASE_URL, KAFKA_BROKERS,
 * TOPIC_PREFIX, LOG_LEVEL (see config.ts). Migrates the `analytics` schema, then consumes until
 * SIGTERM/SIGINT, which lets the event in hand commit, leaves the group and closes connections.
 * A failure to start exits 1 (compose restarts it); bad configuration exits 78.
 */
import closeWithGrace from 'close-with-grace';
import { createKafkaTransport } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig, type AnalyticsConfig } from './config.js';
import { startAnalytics } from './consumer.js';
import { isAnalyticsError } from './errors.js';
import { migrateAnalytics } from './migrate.js';

let config: AnalyticsConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!isAnalyticsError(error)) throw error;
  process.stderr.write(`herald-analytics: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}

const logger = pino({ level: config.logLevel, name: 'herald-analytics', serializers: logSerializers });

try {
  const applied = await migrateAnalytics(config.databaseUrl, logger.child({ component: 'migrations' }));
  if (applied.length > 0) logger.info({ applied }, 'analytics migrations applied');

  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.dbPoolMax,
    application_name: 'herald-analytics',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  const transport = createKafkaTransport({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger: logger.child({ component: 'kafka' }),
  });
  const analytics = await startAnalytics({ transport, pool, prefix: config.topicPrefix, log: logger });
  logger.info({ group: analytics.group, brokers: config.kafkaBrokers }, 'analytics consumer running');

  closeWithGrace({ delay: config.shutdownTimeoutMs, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await analytics.stop();
    await transport.close();
    await pool.end();
    logger.info({ stats: analytics.stats() }, 'stopped');
  });
} catch (error) {
  logger.fatal({ err: error }, 'analytics failed to start');
  process.exit(1);
}
