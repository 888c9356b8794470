import type { EventValidationResult, HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord, EventTransport, TransportLogger } from '@herald/event-transport';

/**
 * What a consumer handles: a Herald event (the default), or, for a consumer that reads a topic
 * whose records are not CloudEvents (storage notifications), what its own `parse` makes of them.
 * The runtime needs only an id (duplicate skipping) and a type (filtering).
 */
export interface ConsumedEvent {
  id: string;
  type: string;
}

/** A record as `parse` reads it: the event, or why it is not one (then it is dead-lettered). */
export type ParsedRecord<E extends ConsumedEvent = HeraldEvent> =
  | { valid: true; event: E }
  | { valid: false; issues: Array<{ path: string; message: string }> };

/** The default `parse`'s result type is the event schemas' own validation result. */
export type { EventValidationResult };

/**
 * The contract every Herald consumer (notifier, analytics, and later ones) is written against.
 * The runtime owns everything around a handler: schema validation of each incoming event,
 * skipping of recently seen duplicates, retries with backoff, dead-lettering, and a graceful stop.
 */

export interface HandlerContext {
  /** The record as delivered (topic, partition, offset, headers). */
  record: DeliveredRecord;
  /** 1 on the first try. */
  attempt: number;
  log: TransportLogger;
  /** Aborted when the consumer is stopping: long operations should give up (the record is redelivered). */
  signal: AbortSignal;
}

/**
 * Handles one validated event. Must be idempotent by `event.id` (a conditional write, or an inbox
 * row in the same transaction as the effect): the transport delivers at least once, and the
 * runtime's own duplicate skipping only covers recent redeliveries within one process.
 */
export type EventHandler<E extends ConsumedEvent = HeraldEvent> = (event: E, context: HandlerContext) => Promise<void>;

/** What a batch handler is given besides the events. */
export interface BatchContext {
  /** Where the batch comes from: every event of a batch was delivered by this one partition. */
  topic: string;
  partition: number;
  /** `records[i]` is the record that delivered `events[i]` (offset, key, headers, broker timestamp). */
  records: readonly DeliveredRecord[];
  /** 1 on the first try of this batch. */
  attempt: number;
  log: TransportLogger;
  /** Aborted when the consumer is stopping: give up (none of the batch counts as handled; it is redelivered). */
  signal: AbortSignal;
}

/**
 * Handles the valid, wanted, not recently seen events of one fetched batch at once, in
 * partition order (so in order per key), e.g. with one bulk write. Resolving means every event
 * was handled; rejecting means none counts as handled. Must be idempotent by `event.id`, event by
 * event: a batch may be tried again whole after a failed try that had in fact written part of it
 * (or all of it, when only the answer was lost), and a redelivered batch may overlap one already
 * handled.
 */
export type BatchEventHandler<E extends ConsumedEvent = HeraldEvent> = (events: E[], context: BatchContext) => Promise<void>;

export interface ConsumerDefinition<E extends ConsumedEvent = HeraldEvent> {
  /** Consumer group name without prefix, e.g. `notifier`. Also names the dead-letter topic. */
  name: string;
  /**
   * Topics to subscribe to: a key of `topics` from @herald/event-schemas (e.g. `products`) is
   * turned into its name with the runtime's prefix; anything else is taken as a full topic name,
   * used as given (so already prefixed).
   */
  topics: string[];
  handle: EventHandler<E>;
  /**
   * Optional: handles a fetched batch in one call (see BatchEventHandler). Without it, `handle` is
   * called for each event of the batch in turn. With it, `handle` is still needed: when the batch
   * handler fails with an error `isTransient` does not accept, the runtime handles the batch's
   * events one by one with `handle`, so that one bad event is dead-lettered and the others go
   * through.
   */
  handleBatch?: BatchEventHandler<E>;
  /** Event types this consumer acts on; others are acknowledged without calling `handle`. Default: all. */
  eventTypes?: ReadonlyArray<E['type']>;
  /**
   * Reads a record into the event to handle. Default: the value parsed as a CloudEvent and
   * validated against its schema (`parseEvent`). A record it refuses is dead-lettered with the
   * issues as the reason, like an invalid event.
   */
  parse?: (record: DeliveredRecord) => ParsedRecord<E>;
  /**
   * Errors that mean "a dependency is down" rather than "this event cannot be handled"
   * (e.g. DynamoDB unreachable). Those are retried with backoff for as long as it takes and
   * never dead-lettered, so an outage delays work but never drops it. Default: none.
   */
  isTransient?: (error: unknown) => boolean;
  /**
   * Where the group starts the first time it runs (it has no committed offset yet): true, the
   * oldest retained record (the default); false, only records published from then on.
   */
  fromBeginning?: boolean;
}

export interface ConsumerRuntimeOptions {
  transport: EventTransport;
  /** Prepended to the group id and the dead-letter topic, like TOPIC_PREFIX for topics. */
  prefix?: string;
  /** Tries of a non-transient failure before the event is dead-lettered. Default 5. */
  maxAttempts?: number;
  /**
   * Backoff between tries: exponential from `initialBackoffMs` up to `maxBackoffMs`, with jitter
   * (each wait is between half and all of the exponential value). Defaults 200 ms and 10 000 ms.
   * Also paces the retries of a dead letter the broker did not acknowledge.
   */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How many recently handled event ids are remembered to skip redeliveries. Default 10 000. */
  recentIdsCapacity?: number;
  /** Most records fetched from a partition per batch. Default: the transport's (500). */
  maxBatchSize?: number;
  log?: TransportLogger;
}

/** Counters since start. Events are counted one by one, whether they were handled alone or in a batch. */
export interface ConsumerStats {
  /** Events handled (by `handle`, or as part of a batch `handleBatch` handled). */
  handled: number;
  duplicatesSkipped: number;
  ignored: number;
  /** Tries repeated after a failure: one per repeated `handle` call, one per repeated `handleBatch` call. */
  retries: number;
  deadLettered: number;
  /** Calls of `handleBatch` that handled their batch (`handled / batches` is the mean batch size). */
  batches: number;
  lastError: string | null;
}

export interface RunningConsumer {
  readonly group: string;
  readonly deadLetterTopic: string;
  stats(): ConsumerStats;
  /**
   * Stops fetching, lets the in-flight handler finish (or aborts its retries), commits what was
   * handled (of a batch: its records up to the first one not handled), leaves.
   */
  stop(): Promise<void>;
}

/** Headers a dead-letter record carries besides the original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'herald-dead-letter-reason',
  group: 'herald-dead-letter-group',
  attempts: 'herald-dead-letter-attempts',
  at: 'herald-dead-letter-at',
  sourceTopic: 'herald-source-topic',
  sourcePartition: 'herald-source-partition',
  sourceOffset: 'herald-source-offset',
} as const;

/** A dead letter as listed for people and the re-drive command. */
export interface DeadLetter {
  /** Offset in the dead-letter topic (partition 0: dead-letter topics have one partition). */
  offset: string;
  eventId: string | null;
  eventType: string | null;
  reason: string;
  attempts: number;
  deadLetteredAt: string;
  source: { topic: string; partition: number; offset: string };
  /** The original record value. */
  value: string;
  /** The original key; null when it was empty or null (a dead letter always carries a string key). */
  key: string | null;
  /** The original headers, without the dead-letter ones (e.g. trace context to carry over). */
  headers: Record<string, string>;
  /**
   * True once the re-drive command republished it: its offset is below the committed offset of
   * the re-drive group, or it was re-driven ahead of that point and logged (see redriveDeadLetters).
   */
  redriven: boolean;
}

/** Which dead-letter topic to read: the one of consumer `name` under `prefix`. */
export interface DeadLetterQuery {
  /** The consumer's name, as in its ConsumerDefinition. */
  name: string;
  prefix?: string;
  /** How long reading to the end of the topic (or re-driving) may take before it fails. Default 30 000 ms. */
  timeoutMs?: number;
  log?: TransportLogger;
}

export interface RedriveOptions extends DeadLetterQuery {
  /** Only dead letters of these events; default all that were not re-driven yet. */
  eventIds?: readonly string[];
  /**
   * Puts the event back on its way, e.g. by writing it to the API's outbox. Resolve only once it
   * is durably accepted: the dead letter is marked re-driven right after. A rejection stops the
   * re-drive (what was republished before stays marked) and is rethrown.
   */
  republish: (deadLetter: DeadLetter) => Promise<void>;
}

export interface RedriveResult {
  /** Event ids republished by this call, one entry per dead letter, in dead-letter order. */
  redriven: string[];
  /** Dead letters not re-driven yet that this call left as they are, and why. */
  skipped: Array<{ offset: string; reason: string }>;
  /** Ids from `eventIds` that match no dead letter waiting to be re-driven. */
  notFound: string[];
}
