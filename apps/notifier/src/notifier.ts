import {
  startConsumer,
  type ConsumerRuntimeOptions,
  type ConsumerStats,
  type RunningConsumer,
} from '@herald/consumer-runtime';
import type { EventLog } from '@herald/event-log';
import type { EventTransport, TransportLogger } from '@herald/event-transport';
import type * as Minio from 'minio';
import { createArchiver, type Archiver } from './archive/archiver.js';
import { ensureBucket } from './archive/s3.js';
import type { NotifierConfig } from './config.js';
import { notifierConsumer } from './consumer.js';
import type { NotificationStore } from './notifications/notification-store.js';

export interface StartNotifierOptions {
  transport: EventTransport;
  eventLog: EventLog;
  /** Where the notifications of people go; without it, the notifier only logs events. */
  notifications?: NotificationStore;
  s3: Minio.Client;
  /** From `loadConfig(process.env)`; the parts used here. */
  config: Pick<NotifierConfig, 'topicPrefix' | 'startup' | 'archive' | 'eventLog'>;
  log?: TransportLogger;
  /** Retry settings passed to the consumer runtime as they are. */
  runtime?: Pick<
    ConsumerRuntimeOptions,
    'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs' | 'recentIdsCapacity' | 'maxBatchSize'
  >;
  /** Default true. False leaves archiving to `archiver.runOnce()` calls (tests) or another process. */
  archive?: boolean;
}

export interface RunningNotifier {
  readonly group: string;
  readonly archiver: Archiver;
  stats(): ConsumerStats;
  /** Stops the consumer (the batch in hand is logged and committed) and the archiver loop. Leaves the clients and transport open. */
  stop(): Promise<void>;
}

const noop = () => {};
const silent: TransportLogger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Runs the notifier in this process (its own, or the API's on the embedded defaults): makes sure
 * the event-log table and the archive bucket exist (bounded retries, then an error naming the
 * endpoint), starts the consumer that logs every event, and the archiver loop.
 */
export async function startNotifier(options: StartNotifierOptions): Promise<RunningNotifier> {
  const { transport, eventLog, s3, config } = options;
  const log = options.log ?? silent;
  const retry = (what: string) => (error: unknown, attempt: number, delayMs: number) =>
    log.warn({ err: error, attempt, of: config.startup.attempts, retryInMs: delayMs }, `${what} unreachable; retrying`);

  const table = await eventLog.ensureTable({
    attempts: config.startup.attempts,
    initialDelayMs: config.startup.initialDelayMs,
    onRetry: retry('DynamoDB'),
  });
  if (table.created || table.indexesAdded.length > 0) log.info({ table: eventLog.tableName, ...table }, 'event log table ready');
  if (options.notifications) {
    const notificationsTable = await options.notifications.ensureTable({
      attempts: config.startup.attempts,
      initialDelayMs: config.startup.initialDelayMs,
      onRetry: retry('DynamoDB'),
    });
    if (notificationsTable.created) log.info({ table: options.notifications.tableName }, 'notifications table ready');
  }
  if (table.ttl === 'unsupported') log.debug({ table: eventLog.tableName }, 'DynamoDB server has no TTL; the archiver removes items');
  const bucket = await ensureBucket(s3, config.archive.bucket, {
    attempts: config.startup.attempts,
    initialDelayMs: config.startup.initialDelayMs,
    onRetry: retry('object storage'),
  });
  if (bucket.created) log.info({ bucket: config.archive.bucket }, 'archive bucket created');

  const archiver = createArchiver({
    eventLog,
    s3,
    bucket: config.archive.bucket,
    retentionSeconds: config.eventLog.retentionSeconds,
    batchSize: config.archive.batchSize,
    log,
  });
  const consumer: RunningConsumer = await startConsumer(notifierConsumer({ eventLog, ...(options.notifications ? { notifications: options.notifications } : {}) }), {
    ...options.runtime,
    transport,
    prefix: config.topicPrefix,
    log,
  });
  if (options.archive !== false) archiver.start(config.archive.intervalMs);

  let stopping: Promise<void> | undefined;
  return {
    group: consumer.group,
    archiver,
    stats: () => consumer.stats(),
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all([consumer.stop(), archiver.stop()]);
      })()),
  };
}
