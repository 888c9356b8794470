/**
 * @herald/event-transport: one contract (types.ts), two transports.
 *
 * - createKafkaTransport: Kafka through kafkajs, for production and the full local stack.
 * - createEmbeddedBroker: an in-process broker with the same semantics, optionally persistent,
 *   for development and tests; producers and consumers can live on worker threads and reach it
 *   through a MessagePort (connectEmbeddedTransport, createTransportFromDescriptor).
 */
export type {
  BatchHandler,
  BatchOptions,
  ConsumerOptions,
  DeliveredRecord,
  EventConsumer,
  EventProducer,
  EventTransport,
  OutgoingMessage,
  PartitionLag,
  RecordBatch,
  RecordHandler,
  TransportLogger,
} from './types.js';

export {
  TRANSPORT_ERROR_CODES,
  TransportError,
  isTransportError,
  isTransportErrorCode,
  type TransportErrorCode,
} from './errors.js';

export {
  createKafkaTransport,
  type KafkaTransport,
  type KafkaTransportOptions,
} from './kafka/kafka-transport.js';
export { createKafkaProducer } from './kafka/kafka-producer.js';
export type { KafkaConnectionOptions, KafkaLogLevel } from './kafka/kafka-client.js';

export {
  createEmbeddedBroker,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
} from './embedded/embedded-broker.js';
export { connectEmbeddedProducer } from './embedded/producer-port.js';
export { connectEmbeddedTransport } from './embedded/transport-client.js';
export { partitionForKey } from './embedded/murmur2.js';

export {
  createProducerFromDescriptor,
  createTransportFromDescriptor,
  descriptorTransferList,
  type DescribableTransport,
  type EmbeddedTransportDescriptor,
  type KafkaTransportDescriptor,
  type TransportDescriptor,
} from './descriptor.js';
