import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  startConsumer,
  type ConsumerDefinition,
  type ConsumerRuntimeOptions,
  type ConsumerStats,
} from '@herald/consumer-runtime';
import { isTransientEventLogError } from '@herald/event-log';
import type { TopicKey } from '@herald/event-schemas';
import type { EventTransport, TransportLogger } from '@herald/event-transport';
import { createAuthorPosts } from './author-posts.js';
import type { FeedSettings } from './config.js';
import { FANOUT_ERROR_CODES, isFanoutError } from './errors.js';
import { createFeedCache, type FeedCache, type FeedCacheStats } from './feed-cache.js';
import { createFeedStore } from './feed-store.js';
import { createFollowGraph } from './follow-graph.js';
import { applyFanoutEvent, FANOUT_EVENT_TYPES, handleFanoutTask, type FanoutDeps } from './handlers/index.js';
import { ensureFanoutTables } from './tables.js';
import { createTaskPublisher, fanoutTaskTopic, taskConsumerDefinition, type FanoutTaskPublisher, type FanoutTaskStats } from './tasks.js';

/** Consumer group (before the prefix) and dead-letter topic name of the fan-out. */
export const FANOUT_CONSUMER_NAME = 'fanout';

/** Follows come on `users` (keyed by the followed user, so in order per followee), posts on `posts`. */
export const FANOUT_TOPICS: readonly TopicKey[] = ['users', 'posts'];

/** DynamoDB unreachable or throttling, or writes left unprocessed: retried, never dead-lettered. */
export const isTransientFanoutError = (error: unknown) =>
  isTransientEventLogError(error) || isFanoutError(error, FANOUT_ERROR_CODES.unprocessed);

/** The fan-out's stores on one DynamoDB client (and the feeds' Redis in front of the feed table, when given). */
export function createFanoutStores(client: DynamoDBClient, settings: FeedSettings, cache?: FeedCache): Omit<FanoutDeps, 'log' | 'signal'> {
  return {
    graph: createFollowGraph(client, settings.tables.followGraph),
    authorPosts: createAuthorPosts(client, settings.tables.authorPosts, {
      max: settings.authorPostsMax,
      trimEvery: settings.trimEvery,
      concurrency: settings.writeConcurrency,
    }),
    feeds: createFeedStore(client, settings.tables.feeds, {
      maxEntries: settings.feedMaxEntries,
      trimEvery: settings.trimEvery,
      concurrency: settings.writeConcurrency,
      cache,
    }),
    settings,
  };
}

/** The feeds' Redis cache of these settings (REDIS_URL), or undefined without one. */
export function openFeedCache(settings: FeedSettings, log?: TransportLogger): FeedCache | undefined {
  if (!settings.redisUrl) return undefined;
  return createFeedCache(settings.redisUrl, {
    prefix: settings.tables.feeds.slice(0, -'feeds'.length),
    maxEntries: settings.feedMaxEntries,
    ttlSeconds: settings.cacheTtlSeconds,
    ...(log ? { log } : {}),
  });
}

/**
 * The fan-out consumer: one event at a time, in partition order (a follow's count and a post's
 * fan-out depend on what came before for the same key). Every handler is idempotent: writes have
 * deterministic keys and the follower count remembers the last position it counted.
 */
export function fanoutConsumer(options: { stores: Omit<FanoutDeps, 'log' | 'signal'>; tasks?: FanoutTaskPublisher }): ConsumerDefinition {
  return {
    name: FANOUT_CONSUMER_NAME,
    topics: [...FANOUT_TOPICS],
    eventTypes: FANOUT_EVENT_TYPES,
    async handle(event, context) {
      await applyFanoutEvent(
        event,
        { partition: context.record.partition, offset: context.record.offset },
        { ...options.stores, tasks: options.tasks, log: context.log, signal: context.signal },
      );
    },
    isTransient: isTransientFanoutError,
  };
}

/**
 * The task consumer: the parts of large fan-outs, shared by every replica (one group). Counts
 * what it did in `stats`.
 */
export function fanoutTasksConsumer(options: { stores: Omit<FanoutDeps, 'log' | 'signal'>; prefix?: string; stats: FanoutTaskStats; log?: TransportLogger }) {
  const log = options.log ?? silentLog;
  return taskConsumerDefinition(
    fanoutTaskTopic(options.prefix),
    async (task, signal) => {
      const followers = await handleFanoutTask(task, { ...options.stores, log, signal });
      options.stats.tasks++;
      options.stats.followers += followers;
      log.debug({ postId: task.post.id, part: task.part, parts: task.parts, followers }, 'fan-out task done');
    },
    isTransientFanoutError,
  );
}

const silentLog: TransportLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface StartFanoutOptions {
  transport: EventTransport;
  dynamodb: DynamoDBClient;
  settings: FeedSettings;
  /** TOPIC_PREFIX of the deployment: prepended to the topics, the group and the dead-letter topic. */
  prefix?: string;
  log?: TransportLogger;
  runtime?: Pick<ConsumerRuntimeOptions, 'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs' | 'recentIdsCapacity' | 'maxBatchSize'>;
}

export interface RunningFanout {
  readonly group: string;
  stats(): ConsumerStats;
  /** What the feed cache did (hits are the API's; here writes, failures, invalidations); undefined without Redis. */
  cacheStats(): FeedCacheStats | undefined;
  /** The parts of large fan-outs this replica did (of its own posts' and of other replicas'). */
  taskStats(): FanoutTaskStats & { consumer: ConsumerStats };
  /** Lets the event in hand finish, commits what was handled, leaves the group. Leaves the client and transport open. */
  stop(): Promise<void>;
}

/**
 * Creates the tables and the task topic when missing, then runs the fan-out consumer and the task
 * consumer on the given transport.
 */
export async function startFanout(options: StartFanoutOptions): Promise<RunningFanout> {
  const { transport, settings } = options;
  const prefix = options.prefix ?? '';
  await ensureFanoutTables(options.dynamodb, settings);
  const taskTopic = fanoutTaskTopic(prefix);
  await transport.ensureTopics([taskTopic], settings.taskPartitions);
  const cache = openFeedCache(settings, options.log);
  // Writes before the connection is up would miss Redis and invalidate the whole cache: wait a
  // moment for it, and start without it when Redis is down (it is then caught up as said above).
  if (cache && !(await cache.connected(5_000))) options.log?.warn({}, 'feed cache: Redis is not reachable; the fan-out starts without it');
  const producer = transport.createProducer();
  const started: Array<() => Promise<void>> = [async () => cache?.close()];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    await producer.connect();
    started.push(() => producer.disconnect());
    const stores = createFanoutStores(options.dynamodb, settings, cache);
    const runtime = { ...options.runtime, transport, prefix, ...(options.log ? { log: options.log } : {}) };
    const taskStats: FanoutTaskStats = { tasks: 0, followers: 0 };
    // Tasks first: a post split into tasks right after start finds its own replica among the takers.
    const tasks = await startConsumer(fanoutTasksConsumer({ stores, prefix, stats: taskStats, ...(options.log ? { log: options.log } : {}) }), runtime);
    started.push(() => tasks.stop());
    const consumer = await startConsumer(fanoutConsumer({ stores, tasks: createTaskPublisher(producer, taskTopic) }), runtime);
    // Stopped first: no new tasks are published once the task consumer stops.
    started.push(() => consumer.stop());
    return {
      group: consumer.group,
      stats: () => consumer.stats(),
      cacheStats: () => cache?.stats(),
      taskStats: () => ({ ...taskStats, consumer: tasks.stats() }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}
