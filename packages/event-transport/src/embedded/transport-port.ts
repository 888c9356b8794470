import type { MessagePort } from 'node:worker_threads';
import { TransportError, type TransportErrorCode } from '../errors.js';
import type { ConsumerOptions, OutgoingMessage, PartitionLag, RecordBatch, TransportLogger } from '../types.js';
import type { EmbeddedConsumer } from './embedded-consumer.js';
import { errorReply, type BrokerBound, type PortReply, type PortRequest, type WorkerBound } from './port-protocol.js';

/** What the main-thread side of a transport port serves requests with: the broker's own operations. */
export interface TransportPortContext {
  connect(): Promise<void>;
  produce(messages: OutgoingMessage[]): Promise<void>;
  ensureTopics(topics: string[], partitions: number): Promise<void>;
  consumerLag(groupId: string, topics: string[]): Promise<PartitionLag[]>;
  createConsumer(options: ConsumerOptions): EmbeddedConsumer;
  logger: TransportLogger;
}

/**
 * Main-thread side of a transport port: answers a worker's requests with the broker's
 * operations, and runs the worker's consumers here as members of their groups, pushing each
 * batch over the port and committing what the worker reports handled.
 *
 * Sends are applied one after the other, in the order the worker posted them, so records keep
 * the order the worker's producer gave them. Other requests run at once: a consumer waiting to
 * join its group never holds back a send.
 *
 * When the port closes (the worker ended, crashed or was terminated), batches the worker still
 * held count as not handled and its consumers leave their groups, so the records they had not
 * reported handled go to the next member. The port never keeps the main thread alive.
 */
export function serveTransportPort(port: MessagePort, context: TransportPortContext): void {
  const consumers = new Map<number, EmbeddedConsumer>();
  const deliveries = new Map<number, { resolve(count: number): void; reject(error: unknown): void; batch: RecordBatch }>();
  let sends: Promise<void> = Promise.resolve();
  let nextDeliveryId = 1;
  let closed = false;

  const post = (message: WorkerBound): void => {
    try {
      port.postMessage(message);
    } catch {
      // The worker is gone; the 'close' handler settles whatever waited for it.
    }
  };

  async function answer(request: PortRequest): Promise<unknown> {
    switch (request.op) {
      case 'connect':
        return context.connect();
      case 'send':
        return context.produce(request.messages);
      case 'ensureTopics':
        return context.ensureTopics(request.topics, request.partitions);
      case 'consumerLag':
        return context.consumerLag(request.groupId, request.topics);
      case 'consume':
        return startConsumer(request.consumerId, request.options, request.maxBatchSize);
      case 'stopConsumer': {
        const consumer = consumers.get(request.consumerId);
        consumers.delete(request.consumerId);
        return consumer?.stop();
      }
    }
  }

  async function startConsumer(consumerId: number, options: ConsumerOptions, maxBatchSize: number): Promise<void> {
    if (consumers.has(consumerId)) {
      throw new TransportError('ERR_TRANSPORT_CONSUMER_FAILED', 'This consumer is already running');
    }
    const consumer = context.createConsumer(options);
    consumers.set(consumerId, consumer);
    try {
      await consumer.start((batch, revoked) => deliver(consumerId, batch, revoked), maxBatchSize);
    } catch (error) {
      consumers.delete(consumerId);
      throw error;
    }
    // The worker went away, or stopped this consumer, while it was joining: leave at once.
    if (consumers.get(consumerId) !== consumer) await consumer.stop();
  }

  /** Pushes a batch to the worker; resolves with the count it reports handled. */
  function deliver(consumerId: number, batch: RecordBatch, revoked: AbortSignal): Promise<number> {
    if (closed) return Promise.reject(workerGone());
    const deliveryId = nextDeliveryId++;
    const onRevoke = (): void => post({ push: 'revoke', deliveryId });
    return new Promise<number>((resolve, reject) => {
      deliveries.set(deliveryId, { resolve, reject, batch });
      post({ push: 'batch', consumerId, deliveryId, batch });
      if (revoked.aborted) onRevoke();
      else revoked.addEventListener('abort', onRevoke, { once: true });
    }).finally(() => {
      deliveries.delete(deliveryId);
      revoked.removeEventListener('abort', onRevoke);
    });
  }

  function settle({ deliveryId, count, error }: Extract<BrokerBound, { op: 'handled' }>): void {
    const delivery = deliveries.get(deliveryId);
    if (!delivery) return;
    if (error !== undefined && count === 0) {
      delivery.reject(error);
      return;
    }
    if (error !== undefined) {
      const { topic, partition, records } = delivery.batch;
      context.logger.warn(
        { err: error, topic, partition, offset: records[count]?.offset, handled: count },
        'record handler rejected on a worker; the records from this one on will be delivered again',
      );
    }
    delivery.resolve(count);
  }

  function stopAll(): Promise<unknown> {
    const running = [...consumers.values()];
    consumers.clear();
    return Promise.allSettled(running.map((consumer) => consumer.stop()));
  }

  port.on('message', (message: BrokerBound) => {
    if (message.op === 'handled') {
      settle(message);
      return;
    }
    const request = message;
    const run = (): Promise<void> =>
      answer(request).then(
        (value) => post({ id: request.id, ok: true, value } satisfies PortReply),
        (error: unknown) =>
          post(errorReply(request.id, error, FALLBACK_CODES[request.op])),
      );
    if (request.op === 'send' || request.op === 'connect') {
      sends = sends.then(run);
    } else {
      void run();
    }
  });

  port.once('close', () => {
    closed = true;
    for (const delivery of deliveries.values()) delivery.reject(workerGone());
    if (consumers.size > 0) {
      context.logger.info({ consumers: consumers.size }, 'a worker closed its transport port; its consumers leave their groups');
      void stopAll();
    }
  });
  port.unref();
}

/** The code of an unexpected failure (one that is not a TransportError already), by request. */
const FALLBACK_CODES: Record<PortRequest['op'], TransportErrorCode> = {
  connect: 'ERR_TRANSPORT_SEND_FAILED',
  send: 'ERR_TRANSPORT_SEND_FAILED',
  ensureTopics: 'ERR_TRANSPORT_ADMIN_FAILED',
  consumerLag: 'ERR_TRANSPORT_ADMIN_FAILED',
  consume: 'ERR_TRANSPORT_CONSUMER_FAILED',
  stopConsumer: 'ERR_TRANSPORT_CONSUMER_FAILED',
};

function workerGone(): TransportError {
  return new TransportError('ERR_TRANSPORT_CLOSED', 'The worker holding this consumer closed its transport port');
}
