import { type Kafka, type Message, type Producer, type RetryOptions } from 'kafkajs';
import { TransportError } from '../errors.js';
import { assertMessages } from '../internal/validate.js';
import { silentLogger } from '../internal/silent-logger.js';
import type { EventProducer, OutgoingMessage, TransportLogger } from '../types.js';
import { createKafkaClient, DEFAULT_REQUEST_TIMEOUT_MS, type KafkaConnectionOptions } from './kafka-client.js';
import { fromKafkaError } from './kafka-errors.js';
import { keyedPartitioner } from './keyed-partitioner.js';

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
 * - the same EventProducer object keeps working after an outage: a later send() goes through
 *   once the cluster is back.
 *
 * What happens after a failed send() matters for duplicates and, worse, for losses. kafkajs
 * rolls back its sequence numbers when a request fails, yet the broker may have stored that
 * request (the acknowledgement was what got lost). Retrying the *identical* batch on the same
 * kafkajs producer then reuses the same sequence numbers and the broker recognises it as a
 * duplicate: stored once. Sending a *different* batch with those sequence numbers would be taken
 * for the duplicate and silently dropped. So after a failure the kafkajs producer is kept only
 * for a retry of the identical batch; any other batch (or a failure that is not about reaching
 * the cluster) first gets a fresh kafkajs producer, i.e. a new producer id. The price of that
 * path is a possible duplicate of the failed batch, which at-least-once consumers tolerate.
 */
export function createKafkaProducer(options: KafkaConnectionOptions, logger: TransportLogger = silentLogger): EventProducer {
  const kafka: Kafka = createKafkaClient(options, PRODUCER_RETRY, logger);
  const ackTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let current: Producer | undefined;
  /** The batch of the last send() if it failed without a clear answer: it may be stored. */
  let unconfirmed: OutgoingMessage[] | undefined;
  let disconnected = false;
  let queue: Promise<void> = Promise.resolve();

  let connecting: Promise<Producer> | undefined;

  /** The kafkajs producer, connecting one first if needed; concurrent callers share it. */
  function connected(): Promise<Producer> {
    if (current) return Promise.resolve(current);
    connecting ??= connectNew().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  async function connectNew(): Promise<Producer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: keyedPartitioner,
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
    if (unconfirmed && !sameBatch(unconfirmed, messages)) await discard();
    unconfirmed = undefined;
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
      const failure = fromKafkaError(error, 'ERR_TRANSPORT_SEND_FAILED', 'Sending to Kafka');
      if (failure.code === 'ERR_TRANSPORT_UNAVAILABLE') {
        unconfirmed = messages.map((message) => ({ ...message, headers: { ...message.headers } }));
      } else {
        await discard();
      }
      logger.warn({ err: error, code: failure.code, messages: messages.length }, 'Kafka send failed');
      throw failure;
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

function sameBatch(a: OutgoingMessage[], b: OutgoingMessage[]): boolean {
  return a.length === b.length && a.every((message, index) => sameMessage(message, b[index]!));
}

function sameMessage(a: OutgoingMessage, b: OutgoingMessage): boolean {
  if (a.topic !== b.topic || a.key !== b.key || a.value !== b.value) return false;
  const aHeaders = Object.entries(a.headers ?? {});
  const bHeaders = b.headers ?? {};
  return aHeaders.length === Object.keys(bHeaders).length && aHeaders.every(([name, value]) => bHeaders[name] === value);
}
