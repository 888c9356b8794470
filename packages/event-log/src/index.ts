/**
 * @herald/event-log: the DynamoDB log of every Herald event. The notifier appends to it, the API
 * replays server-sent event streams from it, the replay command reads it together with the archive.
 */
export { createEventLog } from './event-log.js';
export { createEventLogClient, type EventLogClientOptions } from './client.js';
export {
  startEmbeddedDynamoDb,
  type EmbeddedDynamoDb,
  type EmbeddedDynamoDbOptions,
} from './embedded-dynamodb.js';
export {
  EVENT_LOG_ERROR_CODES,
  EventLogError,
  NETWORK_ERROR_CODES,
  isTransientEventLogError,
  type EventLogErrorCode,
} from './errors.js';
export { compareEvents, hourBucket, normalizedTime, type LoggedEvent } from './keys.js';
export type {
  AppendBatchOptions,
  EnsureTableOptions,
  EnsureTableResult,
  EventLog,
  EventLogOptions,
  LogEntry,
  RequestOptions,
  TimeRange,
} from './types.js';
