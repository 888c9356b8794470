/**
 * The transport contract shared by the Kafka transport and the embedded, in-process one.
 * Everything above this package (the outbox relay, consumers, tests) is written against these
 * types only, so the same code runs on both.
 */

/** A record to publish. `value` is a serialized CloudEvent (Kafka protocol binding, structured mode). */
export interface OutgoingMessage {
  topic: string;
  /** Partitioning key: records with the same key land on the same partition, in send order. */
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** A record as a consumer receives it. */
export interface DeliveredRecord {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka offsets exceed 2^53 in principle. */
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Broker timestamp, epoch milliseconds. */
  timestamp: number;
}

export interface EventProducer {
  connect(): Promise<void>;
  /**
   * Resolves only once the broker has acknowledged every message; rejects when any was not
   * acknowledged (the caller must then treat the whole call as not sent and retry it).
   * Records with the same key keep their order within a call and across sequential calls.
   */
  send(messages: OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without a committed offset starts. Default true (oldest record). */
  fromBeginning?: boolean;
  /**
   * How long a partition stays paused after its handler rejected, before the same record is
   * delivered again. Default 1000 ms. Added to the first contract so tests (and consumers whose
   * failures are known to be brief) need not wait a full second per redelivery.
   */
  redeliveryDelayMs?: number;
  /**
   * How long the transport may hold records back to hand them over in fewer, larger batches.
   * Default 0: a record is delivered as soon as it is there. On Kafka each fetch then returns
   * with whatever is new, so under load a consumer fetches (and commits) in a tight loop, every
   * round trip costing CPU in the consumer and in the broker; with a linger a fetch waits at
   * the broker until this much time has passed (or a megabyte is ready). The embedded broker
   * hands records over in memory at no such cost and ignores it.
   */
  lingerMs?: number;
  /**
   * Default true. False for a reader that never resumes from where it stopped (a live view that
   * starts at the end of the log under a group of its own each time): its offsets are never
   * committed, which saves a commit request per fetched batch and leaves nothing behind in the
   * broker when it is gone. Handler rejections are redelivered all the same.
   */
  commitOffsets?: boolean;
}

/**
 * Called once per record, sequentially within a partition. The record's offset is committed only
 * after the handler resolves; a rejection means "not handled": the transport delivers the same
 * record again later (after a pause), never skipping it.
 */
export type RecordHandler = (record: DeliveredRecord) => Promise<void>;

/** Records of one partition, in offset order, delivered together. */
export interface RecordBatch {
  topic: string;
  partition: number;
  records: DeliveredRecord[];
}

/**
 * Called once per batch, sequentially within a partition. Resolves with how many records, from
 * the first, were handled (all of them when it resolves with undefined): their offsets are
 * committed, and the rest are delivered again after the redelivery pause. A rejection means none
 * of the batch was handled.
 */
export type BatchHandler = (batch: RecordBatch) => Promise<number | void>;

export interface BatchOptions {
  /** Upper bound of records per batch. Default 500. */
  maxBatchSize?: number;
}

export interface EventConsumer {
  /** Starts consuming in the background; resolves once the consumer has joined its group. */
  run(handler: RecordHandler): Promise<void>;
  /**
   * Like run(), but hands over whatever is available of one partition at once (up to
   * `maxBatchSize` records), so a consumer can write its effects in bulk.
   */
  runBatches(handler: BatchHandler, options?: BatchOptions): Promise<void>;
  /** Stops fetching, waits for the in-flight handler, commits what was handled, leaves the group. */
  stop(): Promise<void>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the group will read (-1 when the group never committed on this partition). */
  committedOffset: string;
  /** Offset the next produced record will get. */
  highWatermark: string;
  lag: number;
}

export interface EventTransport {
  readonly kind: 'kafka' | 'embedded';
  /** Creates missing topics with the given partition count; existing topics are left as they are. */
  ensureTopics(topics: string[], partitions: number): Promise<void>;
  createProducer(): EventProducer;
  createConsumer(options: ConsumerOptions): EventConsumer;
  consumerLag(groupId: string, topics: string[]): Promise<PartitionLag[]>;
  /** Closes producers, consumers and connections this transport created. */
  close(): Promise<void>;
}

/** Minimal structured logger (pino's interface), so the transport logs into the app's logger. */
export interface TransportLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
