import type { HeraldEvent } from '@herald/event-schemas';
import type {
  BatchHandler,
  BatchOptions,
  DeliveredRecord,
  EventTransport,
  OutgoingMessage,
} from '@herald/event-transport';

/**
 * An EventTransport double that delivers exactly the batches a test hands it, so a test can
 * shape batches (redeliveries, overlaps, a stop in the middle of one) and see how many records
 * the runtime reports handled, without a broker's timing in the way. Dead letters are kept in
 * `deadLetters`, acknowledged at once.
 */
export interface BatchTransportDouble {
  transport: EventTransport;
  deadLetters: OutgoingMessage[];
  /** What the runtime asked runBatches for. */
  readonly batchOptions: BatchOptions | undefined;
  /** Records for these values (an event is serialized), on `partition`, at the next offsets. */
  records(values: ReadonlyArray<HeraldEvent | string>, partition?: number): DeliveredRecord[];
  /** Hands a batch over; resolves with how many records, from the first, the runtime reported handled. */
  deliver(records: DeliveredRecord[]): Promise<number>;
}

export function batchTransportDouble(topic = 'herald.products'): BatchTransportDouble {
  let handler: BatchHandler | undefined;
  let batchOptions: BatchOptions | undefined;
  const deadLetters: OutgoingMessage[] = [];
  const nextOffsets = new Map<number, number>();

  const transport: EventTransport = {
    kind: 'embedded',
    async ensureTopics() {},
    createProducer: () => ({
      async connect() {},
      async send(messages) {
        deadLetters.push(...messages);
      },
      async disconnect() {},
    }),
    createConsumer: () => ({
      async run() {
        throw new Error('this double only delivers batches');
      },
      async runBatches(batchHandler, options) {
        handler = batchHandler;
        batchOptions = options;
      },
      async stop() {},
    }),
    async consumerLag() {
      return [];
    },
    async close() {},
  };

  return {
    transport,
    deadLetters,
    get batchOptions() {
      return batchOptions;
    },
    records(values, partition = 0) {
      return values.map((value): DeliveredRecord => {
        const offset = nextOffsets.get(partition) ?? 0;
        nextOffsets.set(partition, offset + 1);
        const event = typeof value === 'string' ? undefined : value;
        return {
          topic,
          partition,
          offset: String(offset),
          key: event ? String(event.subject) : 'key',
          value: event ? JSON.stringify(event) : (value as string),
          headers: event ? { ce_id: event.id } : {},
          timestamp: Date.now(),
        };
      });
    },
    async deliver(records) {
      if (!handler) throw new Error('no consumer is running');
      const handled = await handler({ topic, partition: records[0]?.partition ?? 0, records });
      return handled ?? records.length;
    },
  };
}
