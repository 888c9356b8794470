import { startAnalytics, type RunningAnalytics } from '@herald/analytics';
import type { EventTransport } from '@herald/event-transport';
import { openNotifierStores, startNotifier, type NotifierConfig, type NotifierStores, type RunningNotifier } from '@herald/notifier';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { ReplaySource } from '../stream/sse-stream.js';

export interface EventLogAccess {
  stores: NotifierStores;
  /** Where SSE resumes read events they no longer have in memory. */
  replaySource: ReplaySource;
}

/**
 * The event log (DynamoDB, or dynalite in this process when DYNAMODB_ENDPOINT is unset) and the
 * archive (S3/MinIO, or s3rver in this process). The API reads the log to resume event streams.
 */
export async function openEventLog(config: NotifierConfig, logger: Logger): Promise<EventLogAccess> {
  const stores = await openNotifierStores(config, { mode: 'serve', log: logger.child({ name: 'event-log' }) });
  return {
    stores,
    replaySource: {
      async after(eventId, { limit }) {
        const logged = await stores.eventLog.after(eventId, { limit });
        return logged?.map((entry) => entry.event);
      },
    },
  };
}

export interface InProcessConsumers {
  notifier: RunningNotifier;
  analytics: RunningAnalytics;
  stop(): Promise<void>;
}

/**
 * Runs the notifier and analytics consumers inside the API process. On the embedded broker this is
 * the only way they can consume (the broker lives here); with Kafka they usually run as their own
 * processes (docker-compose), and IN_PROCESS_CONSUMERS=false turns this off.
 */
export async function startInProcessConsumers(options: {
  transport: EventTransport;
  pool: Pool;
  stores: NotifierStores;
  notifierConfig: NotifierConfig;
  topicPrefix: string;
  logger: Logger;
}): Promise<InProcessConsumers> {
  const { transport, pool, stores, notifierConfig, topicPrefix, logger } = options;
  const notifier = await startNotifier({
    transport,
    eventLog: stores.eventLog,
    s3: stores.s3,
    config: notifierConfig,
    log: logger.child({ name: 'notifier' }),
  });
  const analytics = await startAnalytics({ transport, pool, prefix: topicPrefix, log: logger.child({ name: 'analytics' }) }).catch(
    async (error) => {
      await notifier.stop();
      throw error;
    },
  );
  return {
    notifier,
    analytics,
    stop: async () => {
      await Promise.all([notifier.stop(), analytics.stop()]);
    },
  };
}
