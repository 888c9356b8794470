import {
  isTransportError,
  type DeliveredRecord,
  type EventTransport,
  type PartitionLag,
} from '@herald/event-transport';
import { ConsumerRuntimeError } from './errors.js';

export interface TopicContents {
  partitions: number;
  /** Every record present when the read began, by partition then offset. */
  records: DeliveredRecord[];
}

export interface ReadTopicOptions {
  /** A group that never committed on the topic, used once: it reads from the oldest record. */
  group: string;
  timeoutMs: number;
}

/**
 * Reads a whole topic once. "Whole" is the topic as it was when the read began: the end of each
 * partition is the high watermark `consumerLag` reports then, and a partition is done once a
 * record at or past `highWatermark - 1` arrived. Records appended meanwhile are left out, so the
 * read always ends. A fresh group's lag counts the records still retained (high minus low
 * watermark on Kafka), so partitions with nothing to read (empty, or emptied by retention) are
 * never waited for. Resolves null when the topic does not exist.
 */
export async function readTopicToEnd(
  transport: EventTransport,
  topic: string,
  options: ReadTopicOptions,
): Promise<TopicContents | null> {
  let lags: PartitionLag[];
  try {
    lags = await transport.consumerLag(options.group, [topic]);
  } catch (error) {
    if (isTransportError(error, 'ERR_TRANSPORT_UNKNOWN_TOPIC')) return null;
    throw error;
  }
  const ends = new Map<number, bigint>();
  for (const lag of lags) if (lag.lag > 0) ends.set(lag.partition, BigInt(lag.highWatermark));
  if (ends.size === 0) return { partitions: lags.length, records: [] };

  const received = new Map<string, DeliveredRecord>(); // a rebalance may deliver a record twice
  const remaining = new Set(ends.keys());
  let reachedEnd!: () => void;
  const finished = new Promise<void>((resolve) => {
    reachedEnd = resolve;
  });
  const consumer = transport.createConsumer({ groupId: options.group, topics: [topic], fromBeginning: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConsumerRuntimeError(
            'ERR_DEAD_LETTERS_TIMEOUT',
            `Reading ${topic} did not reach its end within ${options.timeoutMs} ms`,
          ),
        ),
      options.timeoutMs,
    );
  });
  try {
    const running = consumer.run(async (record) => {
      const end = ends.get(record.partition);
      if (end === undefined) return;
      const offset = BigInt(record.offset);
      if (offset < end) received.set(`${record.partition}:${record.offset}`, record);
      if (offset + 1n >= end && remaining.delete(record.partition) && remaining.size === 0) reachedEnd();
    });
    running.catch(() => {}); // awaited below; this only keeps a late failure after a timeout quiet
    await Promise.race([running, timeout]);
    await Promise.race([finished, timeout]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  const records = [...received.values()].sort((a, b) =>
    a.partition !== b.partition ? a.partition - b.partition : compareOffsets(a.offset, b.offset),
  );
  return { partitions: lags.length, records };
}

export function compareOffsets(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
