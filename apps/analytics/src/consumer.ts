import {
  startConsumer,
  type ConsumerDefinition,
  type ConsumerRuntimeOptions,
  type ConsumerStats,
} from '@herald/consumer-runtime';
import type { EventTransport, TransportLogger } from '@herald/event-transport';
import type pg from 'pg';
import { applyEvent } from './apply-event.js';
import { isTransientDatabaseError } from './db.js';

/** Consumer group (before the prefix) and dead-letter topic name of analytics. */
export const ANALYTICS_CONSUMER_NAME = 'analytics';

export interface AnalyticsConsumerOptions {
  /** Pool on the database whose `analytics` schema `migrateAnalytics` brought up to date. */
  pool: pg.Pool;
}

/**
 * The analytics consumer: every product event is applied to the read model in one transaction
 * with its inbox row (see applyEvent), so redeliveries and replays change nothing. PostgreSQL
 * being unreachable (or asking for a retry) is transient: the event waits, it is never
 * dead-lettered for it.
 */
export function analyticsConsumer(options: AnalyticsConsumerOptions): ConsumerDefinition {
  const { pool } = options;
  return {
    name: ANALYTICS_CONSUMER_NAME,
    // A topic key: the runtime puts the deployment's prefix in front.
    topics: ['products'],
    async handle(event, context) {
      const outcome = await applyEvent(pool, event);
      if (outcome === 'duplicate') {
        context.log.debug({ eventId: event.id, eventType: event.type }, 'event already applied; nothing to do');
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
  runtime?: Pick<ConsumerRuntimeOptions, 'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs' | 'recentIdsCapacity'>;
}

export interface RunningAnalytics {
  readonly group: string;
  stats(): ConsumerStats;
  /** Lets the event in hand finish, commits what was handled, leaves the group. Leaves pool and transport open. */
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
