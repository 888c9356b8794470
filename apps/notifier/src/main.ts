/**
 * The notifier as its own process (docker compose): logs every event from Kafka into DynamoDB and
 * archives what leaves the recent window to S3 (see config.ts for the settings). SIGTERM/SIGINT
 * let the event in hand be logged and committed, finish an archive pass, and close connections.
 * A failure to start exits 1 (compose restarts it); bad configuration exits 78.
 */
import closeWithGrace from 'close-with-grace';
import { createKafkaTransport, type EventTransport } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import { pino } from 'pino';
import { loadConfig, type NotifierConfig } from './config.js';
import { isNotifierError } from './errors.js';
import { startNotifier, type RunningNotifier } from './notifier.js';
import { openNotifierStores, type NotifierStores } from './stores.js';

let config: NotifierConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!isNotifierError(error)) throw error;
  process.stderr.write(`herald-notifier: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
if (!config.kafkaBrokers) {
  process.stderr.write(
    'herald-notifier: KAFKA_BROKERS is not set. The notifier process consumes from Kafka; ' +
      'without Kafka the API runs the notifier in-process on its embedded broker.\n',
  );
  process.exit(78);
}

const logger = pino({ level: config.logLevel, name: 'herald-notifier', serializers: logSerializers });
let stores: NotifierStores | undefined;
let transport: EventTransport | undefined;
let notifier: RunningNotifier | undefined;

// Installed first, so a signal during start-up also stops what has started.
closeWithGrace({ delay: config.shutdownTimeoutMs, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await notifier?.stop();
  await transport?.close();
  await stores?.close();
  logger.info({ stats: notifier?.stats() }, 'stopped');
});

try {
  stores = await openNotifierStores(config, { mode: 'serve', log: logger });
  transport = createKafkaTransport({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger: logger.child({ component: 'kafka' }),
  });
  notifier = await startNotifier({ transport, eventLog: stores.eventLog, notifications: stores.notifications, s3: stores.s3, config, log: logger });
  logger.info(
    { group: notifier.group, brokers: config.kafkaBrokers, table: config.eventLog.table, bucket: config.archive.bucket },
    'notifier running',
  );
} catch (error) {
  logger.fatal({ err: error, reason: String(error) }, 'notifier failed to start');
  await transport?.close().catch(() => {});
  await stores?.close().catch(() => {});
  process.exit(1);
}
