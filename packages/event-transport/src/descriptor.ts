import type { MessagePort, Transferable } from 'node:worker_threads';
import { connectEmbeddedProducer } from './embedded/producer-port.js';
import { connectEmbeddedTransport } from './embedded/transport-client.js';
import type { KafkaConnectionOptions } from './kafka/kafka-client.js';
import { createKafkaProducer } from './kafka/kafka-producer.js';
import { createKafkaTransport } from './kafka/kafka-transport.js';
import type { EventProducer, EventTransport, TransportLogger } from './types.js';

/**
 * How a worker thread reaches the transport the main thread chose, as plain data that can go
 * through `workerData`. The outbox relay's producer and the in-process consumers live on
 * workers; with a descriptor a worker builds the right producer (createProducerFromDescriptor)
 * or whole transport (createTransportFromDescriptor) without knowing, or configuring, which
 * transport is in use.
 */
export type TransportDescriptor = KafkaTransportDescriptor | EmbeddedTransportDescriptor;

export interface KafkaTransportDescriptor extends KafkaConnectionOptions {
  kind: 'kafka';
  /** Replication factor of the topics the worker's ensureTopics creates. Default 1. */
  replicationFactor?: number;
}

export interface EmbeddedTransportDescriptor {
  kind: 'embedded';
  /** One end of a channel served by the embedded broker; must be listed in `transferList`. */
  port: MessagePort;
}

/**
 * A transport that can describe itself for another thread. Both transports of this package are;
 * it is a separate interface (not a new member of EventTransport) so that existing
 * implementations of the first contract, such as test doubles, stay valid.
 */
export interface DescribableTransport extends EventTransport {
  /** For createTransportFromDescriptor(). On the embedded broker, a new port each time. */
  transportDescriptor(): TransportDescriptor;
  /** For createProducerFromDescriptor(); the same descriptor as transportDescriptor(). */
  producerDescriptor(): TransportDescriptor;
}

/** What must go in `transferList` next to a descriptor placed in `workerData`. */
export function descriptorTransferList(descriptor: TransportDescriptor): Transferable[] {
  return descriptor.kind === 'embedded' ? [descriptor.port] : [];
}

/** Worker side: the producer a descriptor stands for. */
export function createProducerFromDescriptor(descriptor: TransportDescriptor, logger?: TransportLogger): EventProducer {
  switch (descriptor.kind) {
    case 'kafka': {
      const { kind: _kind, replicationFactor: _replicationFactor, ...connection } = descriptor;
      return createKafkaProducer(connection, logger);
    }
    case 'embedded':
      return connectEmbeddedProducer(descriptor.port);
  }
}

/**
 * Worker side: the whole transport a descriptor stands for. With Kafka, a transport of the
 * worker's own (its own connections); with the embedded broker, the broker on the main thread,
 * reached through the descriptor's port. Close it when the worker is done with it.
 */
export function createTransportFromDescriptor(descriptor: TransportDescriptor, logger?: TransportLogger): EventTransport {
  switch (descriptor.kind) {
    case 'kafka': {
      const { kind: _kind, ...options } = descriptor;
      return createKafkaTransport({ ...options, logger });
    }
    case 'embedded':
      return connectEmbeddedTransport(descriptor.port, logger);
  }
}
