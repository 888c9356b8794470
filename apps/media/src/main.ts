/**
 * The media worker as its own process (docker compose, several replicas in one consumer group
 * sharing the partitions): checks and converts uploaded images from the storage notifications
 * and post events on Kafka (see config.ts for the settings). SIGTERM/SIGINT let the images in
 * hand finish and be committed. A failure to start exits 1 (compose restarts it); bad
 * configuration exits 78.
 */
import closeWithGrace from 'close-with-grace';
import { createKafkaTransport, type EventTransport } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import { createS3Client } from '@herald/notifier';
import { pino } from 'pino';
import { loadConfig, type MediaConfig } from './config.js';
import { startMedia, type RunningMedia } from './consumer.js';
import { isMediaError } from './errors.js';

let config: MediaConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!isMediaError(error)) throw error;
  process.stderr.write(`herald-media: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
if (!config.kafkaBrokers || !config.s3.endpoint) {
  process.stderr.write(
    `herald-media: ${config.kafkaBrokers ? 'S3_ENDPOINT' : 'KAFKA_BROKERS'} is not set. The media worker process consumes from Kafka ` +
      'and reads uploads from S3/MinIO; without them the API runs the worker in its consumer thread, next to its embedded broker and S3.\n',
  );
  process.exit(78);
}

const logger = pino({ level: config.logLevel, name: 'herald-media', serializers: logSerializers });
const s3 = createS3Client({ endpoint: config.s3.endpoint, accessKey: config.s3.accessKey!, secretKey: config.s3.secretKey!, region: config.s3.region });
let transport: EventTransport | undefined;
let media: RunningMedia | undefined;

closeWithGrace({ delay: config.shutdownTimeoutMs, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await media?.stop();
  await transport?.close();
  logger.info({ stats: media?.stats() }, 'stopped');
});

try {
  transport = createKafkaTransport({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger: logger.child({ component: 'kafka' }),
  });
  media = await startMedia({ transport, s3, settings: config.media, prefix: config.topicPrefix, partitions: config.topicPartitions, log: logger });
  logger.info({ group: media.group, brokers: config.kafkaBrokers, bucket: config.media.bucket, concurrency: config.media.concurrency }, 'media worker running');
} catch (error) {
  logger.fatal({ err: error, reason: String(error) }, 'media worker failed to start');
  await transport?.close().catch(() => {});
  process.exit(1);
}
