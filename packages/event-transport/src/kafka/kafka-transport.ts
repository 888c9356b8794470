import type { Admin, Kafka, RetryOptions } from 'kafkajs';
import type { KafkaTransportDescriptor } from '../descriptor.js';
import { TransportError } from '../errors.js';
import { silentLogger } from '../internal/silent-logger.js';
import { assertPartitionCount, assertTopicName } from '../internal/validate.js';
import type { EventConsumer, EventProducer, EventTransport, PartitionLag, TransportLogger } from '../types.js';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';
import { CONSUMER_RETRY, createKafkaConsumer } from './kafka-consumer.js';
import { fromKafkaError } from './kafka-errors.js';
import { createKafkaProducer } from './kafka-producer.js';
import { waitForTopicLeaders } from './topic-leaders.js';

export interface KafkaTransportOptions extends KafkaConnectionOptions {
  logger?: TransportLogger;
  /** Replication factor of topics created by ensureTopics. Default 1 (a single-node cluster). */
  replicationFactor?: number;
}

export interface KafkaTransport extends EventTransport {
  readonly kind: 'kafka';
  /** The connection settings, for createTransportFromDescriptor() on a worker thread. */
  transportDescriptor(): KafkaTransportDescriptor;
  /** The connection settings, for createProducerFromDescriptor() on a worker thread. */
  producerDescriptor(): KafkaTransportDescriptor;
}

// Admin calls fail fast during an outage, like sends: callers poll or retry on their own.
const ADMIN_RETRY: RetryOptions = { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 };
// A topic just created is not an outage: its leaders are awaited for longer than a call is retried.
const TOPIC_LEADERS_WAIT = { timeoutMs: 30_000, pollMs: 100 };

export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  const logger = options.logger ?? silentLogger;
  const connection: KafkaConnectionOptions = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    connectionTimeoutMs: options.connectionTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    kafkaLogLevel: options.kafkaLogLevel,
  };
  const adminKafka: Kafka = createKafkaClient(connection, ADMIN_RETRY, logger);
  const consumerKafka: Kafka = createKafkaClient(connection, CONSUMER_RETRY, logger);
  const producers = new Set<EventProducer>();
  const consumers = new Set<EventConsumer>();
  let admin: Promise<Admin> | undefined;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The Kafka transport is closed');
  }

  /** Runs an admin call; a failed call drops the admin client so the next one reconnects. */
  async function withAdmin<T>(action: string, call: (client: Admin) => Promise<T>): Promise<T> {
    assertOpen();
    admin ??= (async () => {
      const client = adminKafka.admin({ retry: ADMIN_RETRY });
      await client.connect();
      return client;
    })();
    const current = admin;
    try {
      return await call(await current);
    } catch (error) {
      if (admin === current) admin = undefined;
      await current.then((client) => client.disconnect()).catch(() => {});
      throw fromKafkaError(error, 'ERR_TRANSPORT_ADMIN_FAILED', action);
    }
  }

  return {
    kind: 'kafka',

    async ensureTopics(topics, partitions) {
      assertPartitionCount(partitions);
      topics.forEach(assertTopicName);
      await withAdmin('Creating topics', async (client) => {
        const existing = new Set(await client.listTopics());
        const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
        if (missing.length === 0) return;
        // Another process may create the same topic meanwhile: kafkajs then returns false.
        await client.createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: partitions,
            replicationFactor: options.replicationFactor ?? 1,
          })),
        });
        await waitForTopicLeaders((names) => client.fetchTopicMetadata({ topics: names }), missing, {
          ...TOPIC_LEADERS_WAIT,
          confirm: (topic) => client.fetchTopicOffsets(topic),
        });
      });
    },

    createProducer() {
      assertOpen();
      const producer = createKafkaProducer(connection, logger);
      producers.add(producer);
      return producer;
    },

    createConsumer(consumerOptions) {
      assertOpen();
      const consumer = createKafkaConsumer(consumerKafka, consumerOptions, logger);
      consumers.add(consumer);
      return consumer;
    },

    consumerLag(groupId, topics) {
      return withAdmin('Reading consumer lag', async (client) => {
        const committed = await client.fetchOffsets({ groupId, topics });
        const lags: PartitionLag[] = [];
        for (const topic of topics) {
          const watermarks = await client.fetchTopicOffsets(topic);
          const groupOffsets = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
          for (const { partition, high, low } of watermarks.sort((a, b) => a.partition - b.partition)) {
            const committedOffset = groupOffsets.find((entry) => entry.partition === partition)?.offset ?? '-1';
            // Never committed: the group would read every record still retained.
            const from = committedOffset === '-1' ? BigInt(low) : BigInt(committedOffset);
            const lag = BigInt(high) - from;
            lags.push({ topic, partition, committedOffset, highWatermark: high, lag: Number(lag > 0n ? lag : 0n) });
          }
        }
        return lags;
      });
    },

    transportDescriptor() {
      return { kind: 'kafka', ...connection, replicationFactor: options.replicationFactor };
    },

    producerDescriptor() {
      return { kind: 'kafka', ...connection };
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...consumers].map((consumer) => consumer.stop()));
      await Promise.allSettled([...producers].map((producer) => producer.disconnect()));
      await admin?.then((client) => client.disconnect()).catch(() => {});
    },
  };
}
