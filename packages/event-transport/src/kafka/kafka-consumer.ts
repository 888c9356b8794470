import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import { TransportError } from '../errors.js';
import { assertTopicName } from '../internal/validate.js';
import type { ConsumerOptions, DeliveredRecord, EventConsumer, RecordHandler, TransportLogger } from '../types.js';
import { fromKafkaError } from './kafka-errors.js';

/** A consumer keeps retrying (and kafkajs restarts it after a crash) through an outage. */
export const CONSUMER_RETRY: RetryOptions = { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 };

const DEFAULT_REDELIVERY_DELAY_MS = 1000;
// Handled offsets are committed at the end of every fetched batch, and within a long batch at
// least this often, so that a crash redelivers little.
const COMMIT_EVERY_RECORDS = 100;
const COMMIT_EVERY_MS = 1000;
// A fetch waits at most this long for new records; it also bounds how long stop() waits.
const MAX_FETCH_WAIT_MS = 500;

/**
 * A kafkajs consumer driven through eachBatch with autoCommit and auto-resolve off, so an offset
 * is committed only after its handler resolved. On a rejection the partition is paused, the
 * consumer seeks back to the rejected record, and fetching resumes after redeliveryDelayMs: the
 * same record comes again and nothing behind it is handled first.
 */
export function createKafkaConsumer(kafka: Kafka, options: ConsumerOptions, logger: TransportLogger): EventConsumer {
  const redeliveryDelayMs = options.redeliveryDelayMs ?? DEFAULT_REDELIVERY_DELAY_MS;
  const resumeTimers = new Set<NodeJS.Timeout>();
  let consumer: Consumer | undefined;
  let stopRequested = new AbortController();

  async function handleBatch(
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause }: EachBatchPayload,
    handler: RecordHandler,
    seek: Consumer['seek'],
  ): Promise<void> {
    const { topic, partition } = batch;
    let uncommitted: string | undefined;
    let handledSinceCommit = 0;
    let lastCommitAt = Date.now();

    // Goes through the batch payload on purpose: consumer.commitOffsets() silently does nothing
    // once stop() has begun, and stop() is exactly when the last handled offsets must be saved.
    const commit = async (): Promise<void> => {
      if (uncommitted === undefined) return;
      const offset = uncommitted;
      uncommitted = undefined;
      handledSinceCommit = 0;
      lastCommitAt = Date.now();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
    };

    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        try {
          await handler(toDeliveredRecord(topic, partition, message));
        } catch (error) {
          logger.warn(
            { err: error, groupId: options.groupId, topic, partition, offset: message.offset },
            'record handler rejected; the record will be delivered again',
          );
          const resume = pause();
          seek({ topic, partition, offset: message.offset });
          const timer = setTimeout(() => {
            resumeTimers.delete(timer);
            resume();
          }, redeliveryDelayMs);
          resumeTimers.add(timer);
          break;
        }
        resolveOffset(message.offset);
        uncommitted = (BigInt(message.offset) + 1n).toString();
        handledSinceCommit += 1;
        if (handledSinceCommit >= COMMIT_EVERY_RECORDS || Date.now() - lastCommitAt >= COMMIT_EVERY_MS) {
          await commit();
        }
        await heartbeat();
      }
    } finally {
      // Also on a rebalance (heartbeat throws): the group still accepts commits while it
      // prepares the rebalance, and whatever was handled should not be handled again elsewhere.
      await commit();
    }
  }

  return {
    async run(handler) {
      if (consumer) throw new TransportError('ERR_TRANSPORT_CONSUMER_FAILED', 'This consumer is already running');
      options.topics.forEach(assertTopicName);
      const created = kafka.consumer({
        groupId: options.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: MAX_FETCH_WAIT_MS,
        retry: CONSUMER_RETRY,
      });
      consumer = created;
      created.on(created.events.CRASH, ({ payload }) => {
        // With restart, kafkajs reconnects by itself (as through a broker outage); without, this
        // consumer has stopped for good and only this log line says so.
        const entry = { err: payload.error, groupId: options.groupId, restart: payload.restart };
        if (payload.restart) logger.warn(entry, 'Kafka consumer crashed; kafkajs restarts it');
        else logger.error(entry, 'Kafka consumer crashed and will not restart');
      });
      stopRequested = new AbortController();
      const { signal } = stopRequested;
      try {
        await created.connect();
        await created.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
        const joined = joinedGroup(created, signal);
        await created.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: (payload) => handleBatch(payload, handler, created.seek.bind(created)),
        });
        await joined;
      } catch (error) {
        if (consumer === created) consumer = undefined;
        await created.disconnect().catch(() => {});
        throw fromKafkaError(error, 'ERR_TRANSPORT_CONSUMER_FAILED', `Starting consumer of group ${options.groupId}`);
      }
    },

    async stop() {
      const running = consumer;
      if (!running) return;
      consumer = undefined;
      stopRequested.abort();
      for (const timer of resumeTimers) clearTimeout(timer);
      resumeTimers.clear();
      try {
        // Waits for the batch in progress (which commits what it handled), then leaves the group.
        await running.disconnect();
      } catch (error) {
        throw fromKafkaError(error, 'ERR_TRANSPORT_CONSUMER_FAILED', `Stopping consumer of group ${options.groupId}`);
      }
    },
  };
}

/**
 * Resolves once the member joined its group and completed a first fetch. kafkajs's run() may
 * return before the join (after a crash it retries later), and a group without committed
 * offsets only looks up where it starts (fromBeginning false: the end of the log) in its first
 * fetch; waiting for that makes "records sent after run() resolved are delivered" hold.
 */
function joinedGroup(consumer: Consumer, stopped: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let fallback: NodeJS.Timeout | undefined;
    const removers: Array<() => void> = [];
    const cleanup = (): void => {
      clearTimeout(fallback);
      removers.forEach((remove) => remove());
      stopped.removeEventListener('abort', onStop);
    };
    const done = (): void => {
      cleanup();
      resolve();
    };
    const onStop = (): void => {
      cleanup();
      reject(new TransportError('ERR_TRANSPORT_CONSUMER_FAILED', 'The consumer was stopped before it joined its group'));
    };
    removers.push(
      consumer.on(consumer.events.GROUP_JOIN, () => {
        removers.push(consumer.on(consumer.events.FETCH, done));
        // A fetch completes within MAX_FETCH_WAIT_MS; this only guards against kafkajs changes.
        fallback ??= setTimeout(done, 10 * MAX_FETCH_WAIT_MS);
      }),
      consumer.on(consumer.events.CRASH, (event) => {
        if (event.payload.restart) return; // kafkajs starts again and may still join
        cleanup();
        reject(event.payload.error);
      }),
    );
    stopped.addEventListener('abort', onStop, { once: true });
  });
}

export function toDeliveredRecord(topic: string, partition: number, message: KafkaMessage): DeliveredRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    value: message.value === null ? '' : message.value.toString(),
    headers: headersToStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/** kafkajs hands header values over as Buffers, and as an array when a name repeats (last wins). */
function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}
