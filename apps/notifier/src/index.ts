/**
 * @herald/notifier: the event log and its archive, and people's notifications.
 *
 * - startNotifier: the consumer that logs every event into DynamoDB, plus the archiver loop, in
 *   this process (the API's on the embedded defaults, or src/main.ts as its own process).
 * - openNotifierStores: the event log and S3 client as configured (embedded when no endpoint).
 * - createArchiver: moves events past the recent window to S3, crash-safely.
 * - replayEvents: archive + recent log for a time range, deduplicated, in (time, id) order.
 */
export { loadConfig, type NotifierConfig } from './config.js';
export { NOTIFIER_CONSUMER_NAME, NOTIFIER_TOPICS, notifierConsumer } from './consumer.js';
export { logEvent, type LogEventDeps } from './handlers/log-event.js';
export {
  createNotificationStore,
  InvalidNotificationCursorError,
  isNotificationId,
  NOTIFICATIONS_INDEX,
  type NotificationDraft,
  type NotificationPage,
  type NotificationStore,
  type NotificationType,
  type StoredNotification,
} from './notifications/notification-store.js';
export { notificationsFor, notify } from './notifications/notify.js';
export { startNotifier, type RunningNotifier, type StartNotifierOptions } from './notifier.js';
export { openNotifierStores, type NotifierStores, type OpenStoresOptions } from './stores.js';
export { createArchiver, type Archiver, type ArchiveRunResult, type ArchiverOptions, type ArchiverStats } from './archive/archiver.js';
export {
  createArchiveStore,
  eventHour,
  hourPrefix,
  objectName,
  type ArchiveStore,
} from './archive/archive-store.js';
export {
  createS3Client,
  ensureBucket,
  isTransientS3Error,
  startEmbeddedS3,
  type EmbeddedS3,
  type S3ClientOptions,
} from './archive/s3.js';
export { checkPostPolicy, type StorageNotification, type StorageNotificationOptions } from './archive/s3-front.js';
export { replayEvents, type ReplayOptions } from './replay/replay-events.js';
export { NOTIFIER_ERROR_CODES, NotifierError, isNotifierError, type NotifierErrorCode } from './errors.js';
