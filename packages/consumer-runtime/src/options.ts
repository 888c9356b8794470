import { parseEvent, topicName, topics as topicKeys, type HeraldEvent, type TopicKey } from '@herald/event-schemas';
import type { DeliveredRecord } from '@herald/event-transport';
import type { EventTransport, TransportLogger } from '@herald/event-transport';
import { ConsumerRuntimeError } from './errors.js';
import { silentLogger } from './silent-logger.js';
import type { ConsumedEvent, ConsumerDefinition, ConsumerRuntimeOptions, ParsedRecord } from './types.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_INITIAL_BACKOFF_MS = 200;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_RECENT_IDS_CAPACITY = 10_000;

/** Consumer names end up in topic and group names, so they follow Kafka's topic-name rule. */
const NAME = /^[a-zA-Z0-9._-]{1,150}$/;

/** A definition and its options, checked once and with every default applied. */
export interface ConsumerSettings<E extends ConsumedEvent = HeraldEvent> {
  name: string;
  prefix: string;
  group: string;
  topics: string[];
  handle: ConsumerDefinition<E>['handle'];
  handleBatch: ConsumerDefinition<E>['handleBatch'];
  eventTypes: ReadonlySet<E['type']> | undefined;
  parse: (record: DeliveredRecord) => ParsedRecord<E>;
  isTransient: (error: unknown) => boolean;
  fromBeginning: boolean;
  transport: EventTransport;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  recentIdsCapacity: number;
  /** Undefined: the transport's default. */
  maxBatchSize: number | undefined;
  log: TransportLogger;
}

function invalid(message: string): ConsumerRuntimeError {
  return new ConsumerRuntimeError('ERR_CONSUMER_INVALID_OPTIONS', message);
}

export function assertConsumerName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(`Invalid consumer name ${JSON.stringify(name)}: use 1-150 characters among a-z A-Z 0-9 . _ -`);
  }
}

function integerOption(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw invalid(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function isTopicKey(value: string): value is TopicKey {
  return Object.hasOwn(topicKeys, value);
}

export function resolveSettings<E extends ConsumedEvent = HeraldEvent>(
  definition: ConsumerDefinition<E>,
  options: ConsumerRuntimeOptions,
): ConsumerSettings<E> {
  assertConsumerName(definition?.name);
  if (typeof definition.handle !== 'function') throw invalid(`Consumer ${definition.name}: handle must be a function`);
  if (definition.parse !== undefined && typeof definition.parse !== 'function') {
    throw invalid(`Consumer ${definition.name}: parse must be a function when given`);
  }
  if (definition.handleBatch !== undefined && typeof definition.handleBatch !== 'function') {
    throw invalid(`Consumer ${definition.name}: handleBatch must be a function when given`);
  }
  if (!Array.isArray(definition.topics) || definition.topics.length === 0) {
    throw invalid(`Consumer ${definition.name}: topics must list at least one topic`);
  }
  if (!options?.transport) throw invalid(`Consumer ${definition.name}: a transport is required`);
  const prefix = options.prefix ?? '';
  const initialBackoffMs = integerOption(options.initialBackoffMs, DEFAULT_INITIAL_BACKOFF_MS, 'initialBackoffMs', 1);
  const maxBackoffMs = integerOption(
    options.maxBackoffMs,
    Math.max(DEFAULT_MAX_BACKOFF_MS, initialBackoffMs),
    'maxBackoffMs',
    initialBackoffMs,
  );
  const isTransient = definition.isTransient;
  return {
    name: definition.name,
    prefix,
    group: `${prefix}${definition.name}`,
    topics: [...new Set(definition.topics.map((topic) => (isTopicKey(topic) ? topicName(topic, prefix) : topic)))],
    handle: definition.handle,
    handleBatch: definition.handleBatch,
    eventTypes: definition.eventTypes ? new Set(definition.eventTypes) : undefined,
    parse: definition.parse ?? ((record) => parseEvent(record.value) as ParsedRecord<E>),
    isTransient: (error) => {
      if (!isTransient) return false;
      try {
        return isTransient(error) === true;
      } catch {
        return false; // a broken classifier must not turn every failure into an endless retry
      }
    },
    fromBeginning: definition.fromBeginning ?? true,
    transport: options.transport,
    maxAttempts: integerOption(options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 'maxAttempts', 1),
    initialBackoffMs,
    maxBackoffMs,
    recentIdsCapacity: integerOption(options.recentIdsCapacity, DEFAULT_RECENT_IDS_CAPACITY, 'recentIdsCapacity', 0),
    maxBatchSize: options.maxBatchSize === undefined ? undefined : integerOption(options.maxBatchSize, 0, 'maxBatchSize', 1),
    log: options.log ?? silentLogger,
  };
}
