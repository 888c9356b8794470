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
import { createFeedStore } from './feed-store.js';
import { createFollowGraph } from './follow-graph.js';
import { applyFanoutEvent, FANOUT_EVENT_TYPES, type FanoutDeps } from './handlers/index.js';
import { ensureFanoutTables } from './tables.js';

/** Consumer group (before the prefix) and dead-letter topic name of the fan-out. */
export const FANOUT_CONSUMER_NAME = 'fanout';

/** Follows come on `users` (keyed by the followed user, so in order per followee), posts on `posts`. */
export const FANOUT_TOPICS: readonly TopicKey[] = ['users', 'posts'];

/** DynamoDB unreachable or throttling, or writes left unprocessed: retried, never dead-lettered. */
export const isTransientFanoutError = (error: unknown) =>
  isTransientEventLogError(error) || isFanoutError(error, FANOUT_ERROR_CODES.unprocessed);

/** The fan-out's stores on one DynamoDB client. */
export function createFanoutStores(client: DynamoDBClient, settings: FeedSettings): Omit<FanoutDeps, 'log' | 'signal'> {
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
    }),
    settings,
  };
}

/**
 * The fan-out consumer: one event at a time, in partition order (a follow's count and a post's
 * fan-out depend on what came before for the same key). Every handler is idempotent: writes have
 * deterministic keys and the follower count remembers the last position it counted.
 */
export function fanoutConsumer(options: { stores: Omit<FanoutDeps, 'log' | 'signal'> }): ConsumerDefinition {
  return {
    name: FANOUT_CONSUMER_NAME,
    topics: [...FANOUT_TOPICS],
    eventTypes: FANOUT_EVENT_TYPES,
    async handle(event, context) {
      await applyFanoutEvent(
        event,
        { partition: context.record.partition, offset: context.record.offset },
        { ...options.stores, log: context.log, signal: context.signal },
      );
    },
    isTransient: isTransientFanoutError,
  };
}

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
  /** Lets the event in hand finish, commits what was handled, leaves the group. Leaves the client and transport open. */
  stop(): Promise<void>;
}

/** Creates the tables when missing, then runs the fan-out consumer on the given transport. */
export async function startFanout(options: StartFanoutOptions): Promise<RunningFanout> {
  await ensureFanoutTables(options.dynamodb, options.settings);
  const consumer = await startConsumer(fanoutConsumer({ stores: createFanoutStores(options.dynamodb, options.settings) }), {
    ...options.runtime,
    transport: options.transport,
    prefix: options.prefix ?? '',
    ...(options.log ? { log: options.log } : {}),
  });
  return { group: consumer.group, stats: () => consumer.stats(), stop: () => consumer.stop() };
}
