import { ANALYTICS_TOPICS, startAnalytics } from '@herald/analytics';
import { mediaUploadsTopicName, type TopicKey } from '@herald/event-schemas';
import type { ConsumerStats } from '@herald/consumer-runtime';
import type { EventTransport } from '@herald/event-transport';
import { FANOUT_TOPICS, startFanout, type FeedSettings } from '@herald/fanout';
import { MEDIA_CONSUMER_NAME, startMedia, type MediaSettings } from '@herald/media';
import { NOTIFIER_TOPICS, startNotifier, type ArchiverStats, type NotifierConfig, type NotifierStores } from '@herald/notifier';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

/** What a consumer running inside the API's consumer thread may use. */
export interface ConsumerResources {
  transport: EventTransport;
  /** The API's database (analytics keeps its read model in a schema of its own there). */
  pool: Pool;
  /** The event log and archive (embedded in the consumer thread on the embedded defaults). */
  stores: NotifierStores;
  notifierConfig: NotifierConfig;
  /** The feed tables and fan-out settings. */
  feeds: FeedSettings;
  /** The media worker's settings. */
  media: MediaSettings;
  topicPrefix: string;
  log: Logger;
}

export interface RunningConsumerModule {
  /** Full consumer group id (prefixed). */
  group: string;
  stats(): ConsumerStats;
  /** What its archiver did, for a consumer that archives (the notifier). */
  archive?(): ArchiverStats;
  stop(): Promise<void>;
}

/**
 * A consumer app that the API can run in its consumer thread (on the embedded broker that is the
 * only way it can consume, as the broker lives in the API process). Each also runs as a process
 * of its own (apps/<name>/src/main.ts), which is how deployments on Kafka usually run them.
 */
export interface ConsumerModule {
  /** The consumer group's name without prefix. */
  name: string;
  /** The topics it reads (keys; the deployment's prefix goes in front). */
  topics: readonly TopicKey[];
  /** Topics outside the event catalogue it also reads, by full name under a prefix (its consumer lag covers them too). */
  otherTopics?(prefix: string): string[];
  start(resources: ConsumerResources): Promise<RunningConsumerModule>;
}

const notifierModule: ConsumerModule = {
  name: 'notifier',
  topics: NOTIFIER_TOPICS,
  async start({ transport, stores, notifierConfig, log }) {
    const notifier = await startNotifier({
      transport,
      eventLog: stores.eventLog,
      notifications: stores.notifications,
      s3: stores.s3,
      config: notifierConfig,
      log: log.child({ component: 'notifier' }),
    });
    return { group: notifier.group, stats: notifier.stats, archive: notifier.archiver.stats, stop: notifier.stop };
  },
};

const analyticsModule: ConsumerModule = {
  name: 'analytics',
  topics: ANALYTICS_TOPICS,
  start: ({ transport, pool, topicPrefix, log }) =>
    startAnalytics({ transport, pool, prefix: topicPrefix, log: log.child({ component: 'analytics' }) }),
};

/** The fan-out writes the feeds on the DynamoDB of the event log (embedded in this thread on the embedded defaults). */
const fanoutModule: ConsumerModule = {
  name: 'fanout',
  topics: FANOUT_TOPICS,
  start: ({ transport, stores, feeds, topicPrefix, log }) =>
    startFanout({ transport, dynamodb: stores.dynamodb, settings: feeds, prefix: topicPrefix, log: log.child({ component: 'fanout' }) }),
};

/**
 * The media worker reads and writes the media bucket on the notifier's S3 (the in-process one on
 * the embedded default, whose upload notifications come through the embedded broker).
 */
const mediaModule: ConsumerModule = {
  name: MEDIA_CONSUMER_NAME,
  topics: ['posts'],
  // The storage's upload notifications.
  otherTopics: (prefix) => [mediaUploadsTopicName(prefix)],
  start: ({ transport, stores, media, topicPrefix, log }) =>
    startMedia({ transport, s3: stores.s3, settings: media, prefix: topicPrefix, log: log.child({ component: 'media' }) }),
};

/**
 * The consumers that run inside the API process, started in this order and stopped together. A
 * new consumer app is one more line here.
 */
export const consumerModules: readonly ConsumerModule[] = [notifierModule, analyticsModule, fanoutModule, mediaModule];
