import type { MessagePort } from 'node:worker_threads';
import { TransportError, isTransportError } from '../errors.js';
import { DEFAULT_MAX_BATCH_SIZE, resolveMaxBatchSize } from '../internal/batches.js';
import { silentLogger } from '../internal/silent-logger.js';
import { assertPartitionCount, assertTopicName } from '../internal/validate.js';
import type {
  BatchHandler,
  ConsumerOptions,
  EventConsumer,
  EventProducer,
  EventTransport,
  PartitionLag,
  RecordBatch,
  RecordHandler,
  TransportLogger,
} from '../types.js';
import { createPortClient } from './port-client.js';
import type { DeliveryOutcome, PortPush } from './port-protocol.js';
import { createPortProducer } from './producer-port.js';

/** Set when the broker revokes the partition of a batch being handled (rebalance, stop). */
interface Revocation {
  revoked: boolean;
}

/** How a worker-side consumer handles a pushed batch: the count handled, and why not more. */
type WorkerBatchHandler = (batch: RecordBatch, revocation: Revocation) => Promise<{ count: number; error?: unknown }>;

/**
 * Worker side of the embedded transport: the whole EventTransport contract over a port the
 * embedded broker opened on the main thread (openTransportPort()) and that was transferred to
 * this worker. The broker, its logs, offsets and consumer groups stay on the main thread; a
 * consumer created here is a member of its group there, and receives its batches over the port.
 *
 * The port keeps the worker alive while a request waits for its reply or a consumer runs, and
 * never otherwise. If the broker closes (or the port does), calls reject with
 * ERR_TRANSPORT_CLOSED and consumers stop receiving.
 */
export function connectEmbeddedTransport(port: MessagePort, logger: TransportLogger = silentLogger): EventTransport {
  const consumers = new Map<number, WorkerBatchHandler>();
  const revocations = new Map<number, Revocation>();
  const stopAll = new Set<() => Promise<void>>();
  let nextConsumerId = 1;
  let closed = false;

  const client = createPortClient(port, {
    onPush(push) {
      handlePush(push);
    },
    onClose() {
      if (consumers.size > 0) {
        logger.warn({ consumers: consumers.size }, 'the embedded broker closed the transport port; consumers stopped');
      }
    },
  });

  function handlePush(push: PortPush): void {
    if (push.push === 'revoke') {
      const revocation = revocations.get(push.deliveryId);
      if (revocation) revocation.revoked = true;
      return;
    }
    const { deliveryId, consumerId, batch } = push;
    const handle = consumers.get(consumerId);
    const revocation: Revocation = { revoked: false };
    revocations.set(deliveryId, revocation);
    const outcome = handle
      ? handle(batch, revocation)
      : Promise.resolve({ count: 0, error: new TransportError('ERR_TRANSPORT_CLOSED', 'The consumer is stopped') });
    void outcome.then(({ count, error }) => {
      revocations.delete(deliveryId);
      reply({ op: 'handled', deliveryId, count, error });
    });
  }

  function reply(outcome: DeliveryOutcome): void {
    try {
      client.post(outcome);
    } catch {
      // An error that cannot be cloned (it holds a function, say) goes as its text.
      client.post({ ...outcome, error: String(outcome.error) });
    }
  }

  function assertOpen(): void {
    if (closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The embedded transport is closed');
  }

  function createConsumer(options: ConsumerOptions): EventConsumer {
    assertOpen();
    const consumerId = nextConsumerId++;
    let release: (() => void) | undefined;

    async function start(handle: WorkerBatchHandler, maxBatchSize: number): Promise<void> {
      if (release) throw new TransportError('ERR_TRANSPORT_CONSUMER_FAILED', 'This consumer is already running');
      options.topics.forEach(assertTopicName);
      // Held from here, so the worker stays alive while its consumer waits for batches.
      release = client.hold();
      consumers.set(consumerId, handle);
      stopAll.add(consumer.stop);
      try {
        await client.request({ op: 'consume', consumerId, options: { ...options }, maxBatchSize }, 'ERR_TRANSPORT_CONSUMER_FAILED');
      } catch (error) {
        forget();
        throw error;
      }
    }

    function forget(): void {
      consumers.delete(consumerId);
      stopAll.delete(consumer.stop);
      release?.();
      release = undefined;
    }

    const consumer: EventConsumer = {
      // Records come over the port in batches (one structured clone per batch), and are handed
      // to the handler one at a time. A rejection ends the batch: the records before it are
      // committed, and it comes again after the redelivery pause. When the broker revokes the
      // partition (stop, rebalance), the batch ends after the record in hand.
      run(handler: RecordHandler) {
        return start(async (batch, revocation) => {
          let count = 0;
          for (const record of batch.records) {
            if (revocation.revoked) break;
            try {
              await handler(record);
            } catch (error) {
              return { count, error };
            }
            count += 1;
          }
          return { count };
        }, DEFAULT_MAX_BATCH_SIZE);
      },

      async runBatches(handler: BatchHandler, batchOptions) {
        const maxBatchSize = resolveMaxBatchSize(batchOptions);
        await start(async (batch) => {
          try {
            const result = await handler(batch);
            // The broker checks the count, as it does for its own consumers.
            return { count: result === undefined ? batch.records.length : result };
          } catch (error) {
            return { count: 0, error };
          }
        }, maxBatchSize);
      },

      async stop() {
        if (!release) return;
        try {
          await client.request({ op: 'stopConsumer', consumerId }, 'ERR_TRANSPORT_CONSUMER_FAILED');
        } catch (error) {
          // A closed port means the broker already took the consumer out of its group.
          if (!isTransportError(error, 'ERR_TRANSPORT_CLOSED')) throw error;
        } finally {
          forget();
        }
      },
    };
    return consumer;
  }

  const producers = new Set<EventProducer>();

  return {
    kind: 'embedded',

    async ensureTopics(topics, partitions) {
      assertOpen();
      assertPartitionCount(partitions);
      topics.forEach(assertTopicName);
      await client.request({ op: 'ensureTopics', topics: [...topics], partitions }, 'ERR_TRANSPORT_ADMIN_FAILED');
    },

    createProducer() {
      assertOpen();
      const producer = createPortProducer(client);
      producers.add(producer);
      return producer;
    },

    createConsumer,

    async consumerLag(groupId, topics) {
      assertOpen();
      return client.request<PartitionLag[]>({ op: 'consumerLag', groupId, topics: [...topics] }, 'ERR_TRANSPORT_ADMIN_FAILED');
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...stopAll].map((stop) => stop()));
      await Promise.allSettled([...producers].map((producer) => producer.disconnect()));
      client.close();
    },
  };
}
