import type { RecordHandler, TransportLogger } from '../types.js';
import { pause, type Wakeup } from '../internal/wakeup.js';
import type { PartitionLog } from './partition-log.js';

/**
 * Delivers one partition's records to one group member, one at a time, in offset order. It is
 * the embedded counterpart of a Kafka fetch loop: it sleeps until a record is appended, commits
 * each record's offset only after the handler resolved, and on a rejection waits and delivers the
 * same record again; the records after it wait behind it.
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
  handler: RecordHandler;
  redeliveryDelayMs: number;
  commit(nextOffset: number): void;
  /** False while the broker plays an outage. */
  isAvailable(): boolean;
  availabilityChanged: Wakeup;
  logger: TransportLogger;
}

export function startPartitionRunner(options: PartitionRunnerOptions): PartitionRunner {
  const { log, handler, commit, logger, groupId } = options;
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
      const record = log.recordAt(position);
      if (!record) {
        await log.appended.wait(signal);
        continue;
      }
      try {
        // A copy per delivery, as Kafka hands out fresh objects: a handler that edits its record
        // must not change what other groups (or a redelivery) receive.
        await handler({ ...record, headers: { ...record.headers } });
      } catch (error) {
        logger.warn(
          { err: error, groupId, topic: log.topic, partition: log.partition, offset: record.offset },
          'record handler rejected; the record will be delivered again',
        );
        await pause(options.redeliveryDelayMs, signal);
        continue;
      }
      position += 1;
      commit(position);
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
