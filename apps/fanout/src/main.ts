/**
 * The fan-out as its own process (docker compose, several replicas in one consumer group sharing
 * the partitions): builds the feeds in DynamoDB from the follow and post events on Kafka (see
 * config.ts for the settings). SIGTERM/SIGINT let the event in hand finish and be committed.
 * A failure to start exits 1 (compose restarts it); bad configuration exits 78.
 */
import closeWithGrace from 'close-with-grace';
import { createEventLogClient } from '@herald/event-log';
import { createKafkaTransport, type EventTransport } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import { pino } from 'pino';
import { loadConfig, type FanoutConfig } from './config.js';
import { startFanout, type RunningFanout } from './consumer.js';
import { isFanoutError } from './errors.js';

let config: FanoutConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!isFanoutError(error)) throw error;
  process.stderr.write(`herald-fanout: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
if (!config.kafkaBrokers) {
  process.stderr.write(
    'herald-fanout: KAFKA_BROKERS is not set. The fan-out process consumes from Kafka; ' +
      'without Kafka the API runs the fan-out in its consumer thread on its embedded broker.\n',
  );
  process.exit(78);
}

const logger = pino({ level: config.logLevel, name: 'herald-fanout', serializers: logSerializers });
const dynamodb = createEventLogClient({
  ...(config.dynamodb.endpoint ? { endpoint: config.dynamodb.endpoint } : {}),
  region: config.dynamodb.region,
  ...(config.dynamodb.credentials ? { credentials: config.dynamodb.credentials } : {}),
});
let transport: EventTransport | undefined;
let fanout: RunningFanout | undefined;

closeWithGrace({ delay: config.shutdownTimeoutMs, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await fanout?.stop();
  await transport?.close();
  dynamodb.destroy();
  logger.info({ stats: fanout?.stats() }, 'stopped');
});

try {
  transport = createKafkaTransport({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger: logger.child({ component: 'kafka' }),
  });
  fanout = await startFanout({ transport, dynamodb, settings: config.feeds, prefix: config.topicPrefix, log: logger });
  logger.info({ group: fanout.group, brokers: config.kafkaBrokers, tables: config.feeds.tables }, 'fan-out running');
} catch (error) {
  logger.fatal({ err: error, reason: String(error) }, 'fan-out failed to start');
  await transport?.close().catch(() => {});
  dynamodb.destroy();
  process.exit(1);
}
