import {
  startConsumer,
  type ConsumerDefinition,
  type ConsumerRuntimeOptions,
  type ConsumerStats,
} from '@herald/consumer-runtime';
import type { TopicKey } from '@herald/event-schemas';
import type { EventTransport, TransportLogger } from '@herald/event-transport';
import type pg from 'pg';
import { applyEvent, applyEvents } from './apply-event.js';
import { isTransientDatabaseError } from './db.js';

/** Consumer group (before the prefix) and dead-letter topic name of analytics. */
export const ANALYTICS_CONSUMER_NAME = 'analytics';

/**
 * The topics analytics reads (keys; the runtime puts the deployment's prefix in front): products for
 * the inventory, posts for the post statistics (and both for the event rates).
 */
export const ANALYTICS_TOPICS: readonly TopicKey[] = ['products', 'posts'];

export interface AnalyticsConsumerOptions {
  /** Pool on the database whose `analytics` schema `migrateAnalytics` brought up to date. */
  pool: pg.Pool;
}

/**
 * The analytics consumer: each fetched batch of product or post events is applied to the read
 * model in one transaction with its inbox rows (see applyEvents), so redeliveries and replays
 * change nothing. When a batch fails for a reason other than the database, the runtime applies its events
 * one by one (applyEvent), so one bad event is dead-lettered and the others are applied.
 * PostgreSQL being unreachable (or asking for a retry) is transient: the batch waits, it is never
 * split up or dead-lettered for it.
 */
export function analyticsConsumer(options: AnalyticsConsumerOptions): ConsumerDefinition {
  const { pool } = options;
  return {
    name: ANALYTICS_CONSUMER_NAME,
    topics: [...ANALYTICS_TOPICS],
    async handle(event, context) {
      const outcome = await applyEvent(pool, event);
      if (outcome === 'duplicate') {
        context.log.debug({ eventId: event.id, eventType: event.type }, 'event already applied; nothing to do');
      }
    },
    async handleBatch(events, context) {
      const { applied, duplicates } = await applyEvents(pool, events);
      if (duplicates > 0) {
        context.log.debug(
          { partition: context.partition, applied: applied.length, duplicates },
          'events of the batch already applied; skipped',
        );
      }
    },
    isTransient: isTransientDatabaseError,
  };
}

export interface StartAnalyticsOptions {
  transport: EventTransport;
  pool: pg.Pool;
  /** TOPIC_PREFIX of the deployment: prepended to the topic, the group and the dead-letter topic. */
  prefix?: string;
  log?: TransportLogger;
  /** Retry and backoff settings passed to the consumer runtime as they are. */
  runtime?: Pick<
    ConsumerRuntimeOptions,
    'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs' | 'recentIdsCapacity' | 'maxBatchSize'
  >;
}

export interface RunningAnalytics {
  readonly group: string;
  stats(): ConsumerStats;
  /** Lets the batch in hand finish, commits what was handled, leaves the group. Leaves pool and transport open. */
  stop(): Promise<void>;
}

/**
 * Runs the analytics consumer in this process (the API's, or a test's) on the given transport.
 * It does not migrate: call `migrateAnalytics(databaseUrl, logger)` first. The caller owns the
 * pool and the transport and closes them after `stop()`.
 */
export async function startAnalytics(options: StartAnalyticsOptions): Promise<RunningAnalytics> {
  const consumer = await startConsumer(analyticsConsumer({ pool: options.pool }), {
    ...options.runtime,
    transport: options.transport,
    prefix: options.prefix ?? '',
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    group: consumer.group,
    stats: () => consumer.stats(),
    stop: () => consumer.stop(),
  };
}
