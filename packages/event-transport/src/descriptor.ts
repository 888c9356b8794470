import type { MessagePort, Transferable } from 'node:worker_threads';
import { connectEmbeddedProducer } from './embedded/producer-port.js';
import type { KafkaConnectionOptions } from './kafka/kafka-client.js';
import { createKafkaProducer } from './kafka/kafka-producer.js';
import type { EventProducer, EventTransport, TransportLogger } from './types.js';

/**
 * How a worker thread reaches the transport the main thread chose, as plain data that can go
 * through `workerData`. The outbox relay's producer lives on a worker; with a descriptor the
 * worker builds the right producer without knowing (or configuring) which transport is in use.
 */
export type TransportDescriptor = KafkaTransportDescriptor | EmbeddedTransportDescriptor;

export interface KafkaTransportDescriptor extends KafkaConnectionOptions {
  kind: 'kafka';
}

export interface EmbeddedTransportDescriptor {
  kind: 'embedded';
  /** One end of a channel served by the embedded broker; must be listed in `transferList`. */
  port: MessagePort;
}

/**
 * A transport that can describe its producer for another thread. Both transports of this
 * package are; it is a separate interface (not a new member of EventTransport) so that existing
 * implementations of the first contract, such as test doubles, stay valid.
 */
export interface DescribableTransport extends EventTransport {
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
      const { kind: _kind, ...connection } = descriptor;
      return createKafkaProducer(connection, logger);
    }
    case 'embedded':
      return connectEmbeddedProducer(descriptor.port);
  }
}
