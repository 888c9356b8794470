import type { HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord, EventTransport, TransportLogger } from '@herald/event-transport';

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
export type EventHandler = (event: HeraldEvent, context: HandlerContext) => Promise<void>;

export interface ConsumerDefinition {
  /** Consumer group name without prefix, e.g. `notifier`. Also names the dead-letter topic. */
  name: string;
  /** Topic keys or full names to subscribe to (full names, already prefixed). */
  topics: string[];
  handle: EventHandler;
  /** Event types this consumer acts on; others are acknowledged without calling `handle`. Default: all. */
  eventTypes?: ReadonlyArray<HeraldEvent['type']>;
  /**
   * Errors that mean "a dependency is down" rather than "this event cannot be handled"
   * (e.g. DynamoDB unreachable). Those are retried with backoff for as long as it takes and
   * never dead-lettered, so an outage delays work but never drops it. Default: none.
   */
  isTransient?: (error: unknown) => boolean;
}

export interface ConsumerRuntimeOptions {
  transport: EventTransport;
  /** Prepended to the group id and the dead-letter topic, like TOPIC_PREFIX for topics. */
  prefix?: string;
  /** Tries of a non-transient failure before the event is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Backoff between tries: exponential from `initialBackoffMs` up to `maxBackoffMs`, with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How many recently handled event ids are remembered to skip redeliveries. Default 10 000. */
  recentIdsCapacity?: number;
  log?: TransportLogger;
}

export interface ConsumerStats {
  handled: number;
  duplicatesSkipped: number;
  ignored: number;
  retries: number;
  deadLettered: number;
  lastError: string | null;
}

export interface RunningConsumer {
  readonly group: string;
  readonly deadLetterTopic: string;
  stats(): ConsumerStats;
  /** Stops fetching, lets the in-flight handler finish (or aborts its retries), commits, leaves. */
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
  key: string | null;
  redriven: boolean;
}
