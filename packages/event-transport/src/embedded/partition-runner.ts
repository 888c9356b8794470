import type { RecordBatch, TransportLogger } from '../types.js';
import { handleBatch } from '../internal/batches.js';
import { pause, type Wakeup } from '../internal/wakeup.js';
import type { PartitionLog } from './partition-log.js';

/**
 * How a runner hands a batch over. Like the public BatchHandler, plus a signal aborted when the
 * runner is asked to stop (the member leaves, or its group rebalances) while the batch is being
 * handled: a handler that can stop early (the worker bridge's record-at-a-time loop) resolves
 * with the count it handled so far instead of finishing the batch.
 */
export type DeliverBatch = (batch: RecordBatch, revoked: AbortSignal) => Promise<number | void>;

/**
 * Delivers one partition's records to one group member, in offset order, a batch at a time: all
 * the records the log holds past the member's position, up to maxBatchSize. It is the embedded
 * counterpart of a Kafka fetch loop: it sleeps until a record is appended, commits the offsets of
 * the records the handler reports handled, and delivers the others again after a pause; the
 * records after them wait behind them.
 */
export interface PartitionRunner {
  readonly log: PartitionLog;
  /** Stops after the in-flight handler (if any) settles. */
  stop(): Promise<void>;
}

export interface PartitionRunnerOptions {
  groupId: string;
  log: PartitionLog;
  startOffset: number;
  deliver: DeliverBatch;
  maxBatchSize: number;
  redeliveryDelayMs: number;
  commit(nextOffset: number): void;
  /** False while the broker plays an outage. */
  isAvailable(): boolean;
  availabilityChanged: Wakeup;
  logger: TransportLogger;
}

export function startPartitionRunner(options: PartitionRunnerOptions): PartitionRunner {
  const { log, deliver, commit, logger, groupId, maxBatchSize } = options;
  const stopping = new AbortController();
  const { signal } = stopping;

  async function loop(): Promise<void> {
    let position = options.startOffset;
    while (!signal.aborted) {
      // Both checks and the wait that follows them run in the same tick, so no append or
      // availability change can slip in between them unnoticed.
      if (!options.isAvailable()) {
        await options.availabilityChanged.wait(signal);
        continue;
      }
      // A copy per delivery, as Kafka hands out fresh objects: a handler that edits its records
      // must not change what other groups (or a redelivery) receive.
      const records = log.read(position, maxBatchSize).map((record) => ({ ...record, headers: { ...record.headers } }));
      if (records.length === 0) {
        await log.appended.wait(signal);
        continue;
      }
      let handled: number;
      try {
        handled = await handleBatch((batch) => deliver(batch, signal), { topic: log.topic, partition: log.partition, records });
      } catch (error) {
        logger.warn(
          { err: error, groupId, topic: log.topic, partition: log.partition, offset: records[0]!.offset, records: records.length },
          'record handler rejected; the records will be delivered again',
        );
        await pause(options.redeliveryDelayMs, signal);
        continue;
      }
      if (handled > 0) {
        position += handled;
        commit(position);
      }
      if (handled < records.length) {
        logger.debug(
          { groupId, topic: log.topic, partition: log.partition, offset: records[handled]!.offset, handled, records: records.length },
          'part of a batch was handled; the rest will be delivered again',
        );
        await pause(options.redeliveryDelayMs, signal);
      }
    }
  }

  const done = loop();
  return {
    log,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
