import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HeraldEvent } from '@herald/event-schemas';
import type { LoggedEvent } from './keys.js';

export type { LoggedEvent } from './keys.js';

export interface EventLogOptions {
  client: DynamoDBClient;
  tableName: string;
  /**
   * How long an event stays in the log (the "recent window") before the archiver moves it to
   * object storage. Also sets `expires_at`.
   */
  retentionSeconds: number;
  /**
   * Added to `expires_at` beyond the window. DynamoDB's TTL deletes expired items on its own
   * schedule, and an item it deletes before the archiver has copied it would be lost, so TTL is
   * only a backstop for an archiver that has been down for longer than this. Default 7 days.
   */
  ttlGraceSeconds?: number;
  /** Names the endpoint in errors. Default: the client's configured endpoint. */
  endpointLabel?: string;
}

export interface EnsureTableOptions {
  /** Tries while DynamoDB is unreachable, including the first. Default 5. */
  attempts?: number;
  /** Wait before the second try; doubles per try up to `maxDelayMs`. Default 500. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How long to wait for a table or index to become ACTIVE. Default 60 s. */
  activeTimeoutMs?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface EnsureTableResult {
  created: boolean;
  indexesAdded: string[];
  /** `unsupported`: the server has no UpdateTimeToLive (dynalite); the archiver removes items anyway. */
  ttl: 'enabled' | 'unsupported';
}

export interface RequestOptions {
  /** Aborts the DynamoDB request (e.g. the consumer is stopping). */
  signal?: AbortSignal;
}

/** An event to log and the time it goes into the log order at. */
export interface LogEntry {
  event: HeraldEvent;
  loggedAt: Date;
}

export interface AppendBatchOptions extends RequestOptions {
  /** BatchWriteItem requests (of up to 25 items) in flight at once. Default 4. */
  concurrency?: number;
}

export interface TimeRange {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** The DynamoDB log of every Herald event: idempotent appends, log-order and event-time reads. */
export interface EventLog {
  readonly tableName: string;
  readonly retentionSeconds: number;
  /** Creates the table, its indexes and TTL if missing; retries (bounded) while DynamoDB is unreachable. */
  ensureTable(options?: EnsureTableOptions): Promise<EnsureTableResult>;
  /** Writes the event unless its id is already logged: a redelivery never creates a second item. */
  append(event: HeraldEvent, loggedAt?: Date, options?: RequestOptions): Promise<'written' | 'duplicate'>;
  /**
   * Writes many events with BatchWriteItem: 25 items per request, several requests at a time,
   * items DynamoDB leaves unprocessed (throttling) tried again with backoff. The puts are not
   * conditional: an item already there is replaced. Callers keep that harmless by making each item
   * a function of what they pass, the same on every delivery (a `loggedAt` taken from the record,
   * not from the clock): a redelivery then rewrites the identical item. Of entries sharing an
   * event id, the first is written. Rejects when a request fails, or with
   * EVENT_LOG_ERROR_CODES.unavailable when items stay unprocessed; part of the batch may be
   * written then, and the caller writes the whole batch again.
   */
  appendBatch(entries: ReadonlyArray<LogEntry>, options?: AppendBatchOptions): Promise<void>;
  get(id: string, options?: RequestOptions): Promise<LoggedEvent | undefined>;
  /**
   * Events logged strictly after event `id`, in log order. `undefined` when `id` is not in the log
   * (never logged, or already archived): the caller cannot resume from it.
   */
  after(id: string, options?: { limit?: number; now?: Date } & RequestOptions): Promise<LoggedEvent[] | undefined>;
  /** Events of one type in event-time order, time in [from, to). */
  byType(type: string, options?: TimeRange & { limit?: number } & RequestOptions): Promise<LoggedEvent[]>;
  /** Events with time in [from, to) (optionally of one type), in (time, id) order, hour by hour. */
  range(options: { from: Date; to: Date; type?: string } & RequestOptions): AsyncIterable<LoggedEvent>;
  /**
   * Pages of events logged before `cutoff` (for the archiver), in no particular order. With
   * `since`, only log hours from `since` on are read (a query per hour); without, the table is
   * scanned.
   */
  olderThan(cutoff: Date, options?: { since?: Date; pageSize?: number }): AsyncIterable<LoggedEvent[]>;
  /** Deletes items by event id (absent ids are fine). */
  remove(ids: Iterable<string>): Promise<void>;
  /**
   * Takes or renews a named lease held until now + ttlMs (e.g. so only one archiver runs at a
   * time across notifier instances). False when someone else holds it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}
