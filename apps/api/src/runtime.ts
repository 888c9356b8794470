import { join } from 'node:path';
import type { TransferListItem } from 'node:worker_threads';
import { mediaUploadsTopicName, topicNames } from '@herald/event-schemas';
import {
  createEmbeddedBroker,
  createKafkaTransport,
  type EmbeddedBroker,
  type EventTransport,
  type TransportDescriptor,
} from '@herald/event-transport';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { migrateAnalytics } from '@herald/analytics';
import { buildApp } from './app.js';
import { prepareAuth, type AuthStartUp } from './auth/start-up.js';
import type { Config } from './config.js';
import { ConsumerThreadStopped, startConsumerThread, type ConsumerThread } from './consumers/consumer-thread.js';
import { eventLogAt, openEventLog, type EventLogAccess } from './consumers/event-log-access.js';
import { feedAccessAt } from './consumers/feed-access.js';
import type { NotifierConfig } from '@herald/notifier';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { migrateUp } from './db/migrate.js';
import { createPool, type Pool } from './db/pool.js';
import { createMediaStorage, type MediaStorage } from './images/storage.js';
import { storageNotificationSender } from './images/storage-notifications.js';
import { startPublisher, type Publisher } from './publisher/publisher.js';
import { createEventHub, type EventHub } from './stream/event-hub.js';

/** Kafka's default `message.max.bytes`; larger records would be refused by the broker anyway. */
const MAX_MESSAGE_BYTES = 1_000_000;
const TOPIC_RETRY_MAX_MS = 30_000;
/** Database connections of the consumer thread (analytics writes one batch at a time per partition). */
const CONSUMER_POOL_MAX = 4;

export interface Herald {
  app: FastifyInstance;
  pool: Pool;
  publisher: Publisher;
  transport: EventTransport;
  eventHub: EventHub;
  eventLog: EventLogAccess;
  /** The media bucket of image posts (on S3_ENDPOINT, or the embedded S3). */
  media: MediaStorage;
  /** The consumer thread (notifier, analytics, ...) once its consumers joined their groups; undefined when turned off. */
  consumers: Promise<ConsumerThread | undefined>;
  databaseUrl: string;
  /** Resolves true once the topics exist (false if closed before); writes do not wait for it. */
  topicsReady: Promise<boolean>;
  /** Base URL the API listens on. */
  url: string;
  /** The admin password start-up enforced, and where it came from (undefined: none). */
  admin: AuthStartUp['admin'];
  close(): Promise<void>;
}

function createTransport(config: Config, logger: Logger): EventTransport {
  if (config.kafkaBrokers) {
    return createKafkaTransport({
      brokers: config.kafkaBrokers,
      clientId: config.kafkaClientId,
      logger: logger.child({ component: 'kafka' }),
    });
  }
  return createEmbeddedBroker({ dataDir: join(config.dataDir, 'broker'), logger: logger.child({ component: 'embedded-broker' }) });
}

/**
 * Creates the topics in the background, retrying while the broker is away: a broker outage at
 * start-up must not keep the API from taking writes. The producer never auto-creates topics, so
 * events simply wait in the outbox until this has succeeded.
 */
function ensureTopicsInBackground(
  transport: EventTransport,
  config: Config,
  logger: Logger,
): { ready: Promise<boolean>; stop: () => void } {
  let stopped = false;
  let delay = 500;
  // Besides the event topics, the one storage notifications of uploads arrive on.
  const names = [...topicNames(config.topicPrefix), mediaUploadsTopicName(config.topicPrefix)];
  const attempt = async (): Promise<boolean> => {
    while (!stopped) {
      try {
        await transport.ensureTopics(names, config.topicPartitions);
        logger.info({ topics: names }, 'topics ready');
        return true;
      } catch (error) {
        logger.warn({ err: error, retryInMs: delay }, 'could not create topics yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        delay = Math.min(delay * 2, TOPIC_RETRY_MAX_MS);
      }
    }
    return false;
  };
  return {
    ready: attempt(),
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * How a worker thread (the publisher's, the consumers') reaches the broker: the Kafka brokers, or
 * a port into the embedded broker, which lives on this thread.
 */
function describeTransport(config: Config, transport: EventTransport) {
  return (): { descriptor: TransportDescriptor; transferList: TransferListItem[] } => {
    if (config.kafkaBrokers) {
      return { descriptor: { kind: 'kafka', brokers: config.kafkaBrokers, clientId: config.kafkaClientId }, transferList: [] };
    }
    const port = (transport as EmbeddedBroker).openTransportPort();
    return { descriptor: { kind: 'embedded', port }, transferList: [port] };
  };
}

/**
 * Starts the whole API process: database (embedded when DATABASE_URL is unset), migrations,
 * transport (embedded when KAFKA_BROKERS is unset), the publisher worker, and the HTTP server.
 * `close()` undoes it in reverse: stop taking requests, flush the publisher, close connections.
 */
export async function startHerald(config: Config, notifierConfig: NotifierConfig, logger: Logger): Promise<Herald> {
  // Whatever was started is stopped again, in reverse, if a later step fails.
  const started: Array<() => Promise<unknown>> = [];
  const undo = async () => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    let embedded: EmbeddedDatabase | undefined;
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
      started.push(() => embedded!.stop());
      logger.info({ dataDir: config.dataDir }, 'embedded PostgreSQL started');
    }
    const databaseUrl = config.databaseUrl ?? embedded!.databaseUrl;
    const auth = await prepareAuth(config, { embeddedDatabase: embedded !== undefined });
    if (!auth.admin) logger.warn('HERALD_ADMIN_PASSWORD is not set: no admin account is managed at start-up');
    const applied = await migrateUp(databaseUrl, logger.child({ component: 'migrations' }));
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    // The API serves the analytics figures, so their schema must exist even before the consumer runs.
    await migrateAnalytics(databaseUrl, logger.child({ component: 'analytics-migrations' }));

    const transport = createTransport(config, logger);
    started.push(() => transport.close());
    const topicsState = ensureTopicsInBackground(transport, config, logger);
    started.push(async () => topicsState.stop());
    const pool = createPool(databaseUrl, config.dbPoolMax, 'herald-api');
    pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
    started.push(() => pool.end());

    const publisher = startPublisher({
      settings: {
        databaseUrl,
        batchSize: config.outbox.batchSize,
        sweepIntervalMs: config.outbox.sweepIntervalMs,
        lingerMs: config.outbox.lingerMs,
        retryMaxMs: config.outbox.retryMaxMs,
        retentionHours: config.outbox.retentionHours,
        maxMessageBytes: MAX_MESSAGE_BYTES,
        logLevel: config.logLevel,
      },
      describeTransport: describeTransport(config, transport),
      log: logger.child({ component: 'publisher' }),
    });
    started.push(() => publisher.stop(config.shutdownTimeoutMs));

    const eventHub = createEventHub({
      transport,
      topics: topicNames(config.topicPrefix),
      groupPrefix: config.topicPrefix,
      recentCapacity: config.sse.recentEvents,
      log: logger.child({ component: 'event-hub' }),
    });
    // The hub subscribes once the topics exist; until then there is nothing to stream.
    void topicsState.ready.then(async (ready) => {
      if (!ready) return;
      await eventHub.start();
      started.push(() => eventHub.stop());
    }).catch((error) => logger.error({ err: error }, 'event stream subscription failed'));

    // The consumers run on a thread of their own, and with them the embedded event log and archive
    // servers: their work never competes with HTTP requests on this thread's event loop.
    let consumerThread: ConsumerThread | undefined;
    let eventLog: EventLogAccess;
    if (config.inProcessConsumers) {
      const thread = startConsumerThread({
        settings: {
          databaseUrl,
          notifierConfig,
          feeds: config.feeds,
          media: config.mediaWorker,
          topicPrefix: config.topicPrefix,
          logLevel: config.logLevel,
          poolMax: CONSUMER_POOL_MAX,
        },
        describeTransport: describeTransport(config, transport),
        log: logger.child({ component: 'consumers' }),
      });
      consumerThread = thread;
      started.push(() => thread.stop(config.shutdownTimeoutMs));
      eventLog = eventLogAt((await thread.stores).dynamodbEndpoint, notifierConfig);
    } else {
      eventLog = await openEventLog(notifierConfig, logger, storageNotificationSender(transport, config.topicPrefix));
    }
    started.push(() => eventLog.close());
    // The media bucket: on the configured S3, else on the embedded one (the consumer thread's, or this thread's).
    const embeddedS3 = !notifierConfig.s3.endpoint;
    const media = createMediaStorage({
      endpoint: notifierConfig.s3.endpoint ?? (consumerThread ? (await consumerThread.stores).s3Endpoint : eventLog.s3Endpoint!),
      accessKey: embeddedS3 ? 'S3RVER' : notifierConfig.s3.accessKey!,
      secretKey: embeddedS3 ? 'S3RVER' : notifierConfig.s3.secretKey!,
      region: notifierConfig.s3.region,
      bucket: config.media.bucket,
      publicEndpoint: config.media.publicEndpoint,
    });
    // Uploads need the bucket; storage away at start-up is logged, and uploads fail until it is back.
    await media
      .prepare({ notificationArn: config.media.notificationArn })
      .catch((error) => logger.error({ err: error, bucket: config.media.bucket }, 'media bucket not ready: image uploads fail until storage answers'));
    // The feeds the fan-out writes, read where it writes them.
    const feedAccess = feedAccessAt(consumerThread ? (await consumerThread.stores).dynamodbEndpoint : notifierConfig.dynamodb.endpoint, notifierConfig);
    if (feedAccess) started.push(() => feedAccess.close());

    // Consumers subscribe once the topics exist; a failure leaves the API up and is logged.
    const thread = consumerThread;
    const consumers = !thread
      ? Promise.resolve(undefined)
      : topicsState.ready.then(async (ready) => {
          if (!ready) return undefined;
          await thread.start();
          return thread;
        });
    consumers.catch((error) => {
      if (!(error instanceof ConsumerThreadStopped)) logger.error({ err: error }, 'in-process consumers failed to start');
    });

    const app = await buildApp(
      {
        config: { ...config, auth: { ...config.auth, adminPassword: auth.admin?.password } },
        keys: auth.keys,
        pool,
        publisher,
        eventHub,
        transport,
        replaySource: eventLog.replaySource,
        ...(feedAccess ? { dynamodb: feedAccess.dynamodb } : {}),
        notifications: eventLog.notifications,
        ...(thread ? { consumers: thread } : {}),
        media,
      },
      logger,
    );
    started.push(() => app.close());
    const address = await app.listen({ host: config.host, port: config.port });

    return {
      app,
      pool,
      publisher,
      transport,
      databaseUrl,
      eventHub,
      eventLog,
      media,
      consumers,
      topicsReady: topicsState.ready,
      url: address,
      admin: auth.admin,
      // Reverse order of start: stop taking requests, flush the publisher, close connections.
      close: undo,
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
