import { createEventLog, createEventLogClient, type EventLog } from '@herald/event-log';
import {
  createNotificationStore,
  openNotifierStores,
  type NotificationStore,
  type NotifierConfig,
  type StorageNotificationOptions,
} from '@herald/notifier';
import type { Logger } from 'pino';
import type { ReplaySource } from '../stream/sse-stream.js';

/** The API's read access to the event log: where SSE resumes find events no longer in memory. */
export interface EventLogAccess {
  eventLog: EventLog;
  replaySource: ReplaySource;
  /** People's notifications, in their table on the same DynamoDB (written by the notifier). */
  notifications: NotificationStore;
  /** Where the S3 of the event archive and the media bucket is, when this process started it (embedded). */
  s3Endpoint?: string;
  close(): Promise<void>;
}

function access(eventLog: EventLog, notifications: NotificationStore, close: () => Promise<void>): EventLogAccess {
  return {
    eventLog,
    notifications,
    replaySource: {
      async after(eventId, { limit }) {
        const logged = await eventLog.after(eventId, { limit });
        return logged?.map((entry) => entry.event);
      },
    },
    close,
  };
}

/**
 * The event log at `endpoint`: the DynamoDB the configuration names, or the embedded one that the
 * consumer thread serves.
 */
export function eventLogAt(endpoint: string, config: NotifierConfig): EventLogAccess {
  const client = createEventLogClient({
    endpoint,
    region: config.dynamodb.region,
    // The embedded server takes any credentials; a configured one takes the configured ones.
    credentials: config.dynamodb.credentials ?? { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
  });
  const eventLog = createEventLog({
    client,
    tableName: config.eventLog.table,
    retentionSeconds: config.eventLog.retentionSeconds,
    ttlGraceSeconds: config.eventLog.ttlGraceSeconds,
    endpointLabel: endpoint,
  });
  const notifications = createNotificationStore({ client, tableName: config.notifications.table });
  return access(eventLog, notifications, async () => client.destroy());
}

/**
 * Opens the event log for an API that runs no consumers itself: with DYNAMODB_ENDPOINT unset,
 * the embedded server is started here, so that the log written by an earlier run can still serve
 * resumes.
 */
export async function openEventLog(
  config: NotifierConfig,
  logger: Logger,
  storageNotifications?: StorageNotificationOptions & { close(): Promise<void> },
): Promise<EventLogAccess> {
  const stores = await openNotifierStores(config, {
    mode: 'serve',
    log: logger.child({ component: 'event-log' }),
    ...(storageNotifications ? { storageNotifications } : {}),
  });
  return {
    ...access(stores.eventLog, stores.notifications, async () => {
      await stores.close();
      await storageNotifications?.close();
    }),
    s3Endpoint: stores.s3Endpoint,
  };
}
