/**
 * @herald/consumer-runtime: everything around a consumer's event handler.
 *
 * - startConsumer: validation, type filtering, recent-duplicate skipping, retries with backoff,
 *   dead-lettering and a graceful stop, on any EventTransport; events handled one by one or a
 *   fetched batch at a time.
 * - listDeadLetters / redriveDeadLetters: the library side of the operator's dead-letter command.
 */
export { sleep } from './backoff.js';
export { startConsumer } from './start-consumer.js';
export { listDeadLetters, DEFAULT_DEAD_LETTERS_TIMEOUT_MS } from './list-dead-letters.js';
export { redriveDeadLetters } from './redrive-dead-letters.js';
export { deadLetterTopic, redriveGroup, redriveLogTopic } from './dead-letter-records.js';
export {
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_RECENT_IDS_CAPACITY,
} from './options.js';
export {
  CONSUMER_RUNTIME_ERROR_CODES,
  ConsumerRuntimeError,
  isConsumerRuntimeError,
  type ConsumerRuntimeErrorCode,
} from './errors.js';
export {
  DEAD_LETTER_HEADERS,
  type BatchContext,
  type BatchEventHandler,
  type ConsumedEvent,
  type ConsumerDefinition,
  type ConsumerRuntimeOptions,
  type ConsumerStats,
  type DeadLetter,
  type DeadLetterQuery,
  type EventHandler,
  type HandlerContext,
  type ParsedRecord,
  type RedriveOptions,
  type RedriveResult,
  type RunningConsumer,
} from './types.js';
