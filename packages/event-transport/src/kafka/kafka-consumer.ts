import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import { TransportError } from '../errors.js';
import { assertTopicName } from '../internal/validate.js';
import { handleBatch, oneRecordAtATime, resolveMaxBatchSize } from '../internal/batches.js';
import type { BatchHandler, ConsumerOptions, DeliveredRecord, EventConsumer, TransportLogger } from '../types.js';
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
// With a linger, what a fetch waits for besides the time: more than any batch under load holds,
// so that it is the time that ends the wait.
const LINGER_MIN_BYTES = 1024 * 1024;
/** Upper bound of partitions one member handles at the same time (kafkajs caps it at the assigned ones). */
const PARTITIONS_CONSUMED_CONCURRENTLY = 16;

/**
 * A kafkajs consumer driven through eachBatch with autoCommit and auto-resolve off, so an offset
 * is committed only after its handler reported the record handled. On a rejection (or a partial
 * count) the partition is paused, the consumer seeks back to the first record not handled, and
 * fetching resumes after redeliveryDelayMs: that record comes again and nothing behind it is
 * handled first.
 */
export function createKafkaConsumer(kafka: Kafka, options: ConsumerOptions, logger: TransportLogger): EventConsumer {
  const redeliveryDelayMs = options.redeliveryDelayMs ?? DEFAULT_REDELIVERY_DELAY_MS;
  const lingerMs = Math.min(options.lingerMs ?? 0, MAX_FETCH_WAIT_MS);
  const commitsOffsets = options.commitOffsets ?? true;
  const resumeTimers = new Set<NodeJS.Timeout>();
  let consumer: Consumer | undefined;
  let stopRequested = new AbortController();

  async function consumeFetchedBatch(
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause }: EachBatchPayload,
    handler: BatchHandler,
    maxBatchSize: number,
    seek: Consumer['seek'],
  ): Promise<void> {
    const { topic, partition } = batch;
    let uncommitted: string | undefined;
    let handledSinceCommit = 0;
    let lastCommitAt = Date.now();

    // Goes through the batch payload on purpose: consumer.commitOffsets() silently does nothing
    // once stop() has begun, and stop() is exactly when the last handled offsets must be saved.
    const commit = async (): Promise<void> => {
      if (uncommitted === undefined || !commitsOffsets) return;
      const offset = uncommitted;
      uncommitted = undefined;
      handledSinceCommit = 0;
      lastCommitAt = Date.now();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
    };

    /** Pauses the partition and rewinds it to `offset`, which comes again after the delay. */
    const redeliverFrom = (offset: string): void => {
      const resume = pause();
      seek({ topic, partition, offset });
      const timer = setTimeout(() => {
        resumeTimers.delete(timer);
        resume();
      }, redeliveryDelayMs);
      resumeTimers.add(timer);
    };

    try {
      // kafkajs fetched up to maxBytesPerPartition of this partition; it is handed over in
      // slices of at most maxBatchSize records.
      for (let start = 0; start < batch.messages.length; start += maxBatchSize) {
        if (!isRunning() || isStale()) break;
        const records = batch.messages
          .slice(start, start + maxBatchSize)
          .map((message) => toDeliveredRecord(topic, partition, message));
        let handled: number;
        try {
          handled = await handleBatch(handler, { topic, partition, records });
        } catch (error) {
          logger.warn(
            { err: error, groupId: options.groupId, topic, partition, offset: records[0]!.offset, records: records.length },
            'record handler rejected; the records will be delivered again',
          );
          redeliverFrom(records[0]!.offset);
          break;
        }
        if (handled > 0) {
          const last = records[handled - 1]!.offset;
          resolveOffset(last);
          uncommitted = (BigInt(last) + 1n).toString();
          handledSinceCommit += handled;
          if (handledSinceCommit >= COMMIT_EVERY_RECORDS || Date.now() - lastCommitAt >= COMMIT_EVERY_MS) {
            await commit();
          }
        }
        if (handled < records.length) {
          logger.debug(
            { groupId: options.groupId, topic, partition, offset: records[handled]!.offset, handled, records: records.length },
            'part of a batch was handled; the rest will be delivered again',
          );
          redeliverFrom(records[handled]!.offset);
          break;
        }
        await heartbeat();
      }
    } finally {
      // Also on a rebalance (heartbeat throws): the group still accepts commits while it
      // prepares the rebalance, and whatever was handled should not be handled again elsewhere.
      await commit();
    }
  }

  async function start(handler: BatchHandler, maxBatchSize: number): Promise<void> {
    if (consumer) throw new TransportError('ERR_TRANSPORT_CONSUMER_FAILED', 'This consumer is already running');
    options.topics.forEach(assertTopicName);
    const created = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      ...(lingerMs > 0 ? { maxWaitTimeInMs: lingerMs, minBytes: LINGER_MIN_BYTES } : { maxWaitTimeInMs: MAX_FETCH_WAIT_MS }),
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
        // Partitions are independent (order is kept within each), so a member works on all of its
        // partitions at once, as the embedded broker does, rather than one batch after another.
        partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
        eachBatch: (payload) => consumeFetchedBatch(payload, handler, maxBatchSize, created.seek.bind(created)),
      });
      await joined;
    } catch (error) {
      if (consumer === created) consumer = undefined;
      await created.disconnect().catch(() => {});
      throw fromKafkaError(error, 'ERR_TRANSPORT_CONSUMER_FAILED', `Starting consumer of group ${options.groupId}`);
    }
  }

  return {
    // One record per batch keeps run()'s contract exactly: a heartbeat and a commit check after
    // every record, and stop() waits for one record's handler at most.
    run(handler) {
      return start(oneRecordAtATime(handler), 1);
    },

    async runBatches(handler, batchOptions) {
      await start(handler, resolveMaxBatchSize(batchOptions));
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
