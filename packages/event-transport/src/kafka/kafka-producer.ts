import { Partitioners, type Kafka, type Message, type Producer, type RetryOptions } from 'kafkajs';
import { TransportError } from '../errors.js';
import { assertMessages } from '../internal/validate.js';
import { silentLogger } from '../internal/silent-logger.js';
import type { EventProducer, OutgoingMessage, TransportLogger } from '../types.js';
import { createKafkaClient, DEFAULT_REQUEST_TIMEOUT_MS, type KafkaConnectionOptions } from './kafka-client.js';
import { fromKafkaError } from './kafka-errors.js';

/**
 * kafkajs's own retries stay short (about two seconds of waiting in all) because the caller —
 * the outbox relay — retries failed batches with its own backoff and must learn about an outage
 * quickly rather than sit inside one send() for half a minute.
 */
export const PRODUCER_RETRY: RetryOptions = { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 };

/**
 * A Kafka producer with the guarantees the outbox relay needs:
 *
 * - idempotent, acks=-1 (all in-sync replicas), one request in flight per broker: per-key order
 *   holds and kafkajs's internal retries never write a record twice;
 * - send() calls are applied one after another, in call order;
 * - after a failed send() the underlying kafkajs producer is discarded and the next send()
 *   starts a fresh one (new connection, new producer id). kafkajs rolls back its sequence
 *   numbers when a request fails, so if the broker did store that request and the next batch
 *   reused the same sequence numbers, the broker would take the new batch for a duplicate and
 *   drop it silently. A fresh producer id rules that out; the price is a possible duplicate of
 *   the failed batch, which at-least-once consumers deduplicate anyway. It is also what makes the
 *   same EventProducer object work again once the cluster is back after an outage.
 */
export function createKafkaProducer(options: KafkaConnectionOptions, logger: TransportLogger = silentLogger): EventProducer {
  const kafka: Kafka = createKafkaClient(options, PRODUCER_RETRY, logger);
  const ackTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let current: Producer | undefined;
  let disconnected = false;
  let queue: Promise<void> = Promise.resolve();

  async function connected(): Promise<Producer> {
    if (current) return current;
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: PRODUCER_RETRY,
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw fromKafkaError(error, 'ERR_TRANSPORT_UNAVAILABLE', 'Connecting the Kafka producer');
    }
    current = producer;
    return producer;
  }

  async function discard(): Promise<void> {
    const producer = current;
    current = undefined;
    await producer?.disconnect().catch(() => {});
  }

  async function sendNow(messages: OutgoingMessage[]): Promise<void> {
    if (disconnected) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The producer is disconnected');
    if (messages.length === 0) return;
    const producer = await connected();
    try {
      const results = await producer.sendBatch({ acks: -1, timeout: ackTimeout, topicMessages: byTopic(messages) });
      const failed = results.filter((result) => result.errorCode !== 0);
      if (failed.length > 0) {
        throw new TransportError(
          'ERR_TRANSPORT_SEND_FAILED',
          `Kafka did not acknowledge ${failed.map((r) => `${r.topicName}/${r.partition}`).join(', ')}`,
        );
      }
    } catch (error) {
      await discard();
      logger.warn({ err: error, messages: messages.length }, 'Kafka send failed; the producer will reconnect');
      throw fromKafkaError(error, 'ERR_TRANSPORT_SEND_FAILED', 'Sending to Kafka');
    }
  }

  return {
    async connect() {
      disconnected = false;
      await connected();
    },
    send(messages) {
      try {
        assertMessages(messages);
      } catch (error) {
        return Promise.reject(error);
      }
      const step = queue.then(() => sendNow(messages));
      queue = step.catch(() => {});
      return step;
    },
    async disconnect() {
      disconnected = true;
      await queue;
      await discard();
    },
  };
}

/** One entry per topic, messages in call order (kafkajs keeps that order per partition). */
function byTopic(messages: OutgoingMessage[]): Array<{ topic: string; messages: Message[] }> {
  const topics = new Map<string, Message[]>();
  for (const message of messages) {
    let list = topics.get(message.topic);
    if (!list) topics.set(message.topic, (list = []));
    list.push({ key: message.key, value: message.value, headers: { ...message.headers } });
  }
  return [...topics].map(([topic, list]) => ({ topic, messages: list }));
}
