import type { DeliveredRecord, EventProducer, EventTransport, TransportLogger } from '@herald/event-transport';
import { sleep, type Backoff } from './backoff.js';
import { deadLetterMessage, type DeadLetterFailure } from './dead-letter-records.js';
import { ConsumerRuntimeError, errorMessage } from './errors.js';

/**
 * Produces a consumer's dead letters through one producer, created and connected on first use.
 * send() resolves only once the broker acknowledged the dead letter, retrying with backoff until
 * then, because the caller acknowledges the original record right after: a dead letter lost
 * there would be an event dropped.
 */
export interface DeadLetterSender {
  /** Rejects with ERR_CONSUMER_STOPPING only when `signal` aborts before the broker acknowledged. */
  send(record: DeliveredRecord, failure: DeadLetterFailure): Promise<void>;
  close(): Promise<void>;
}

export interface DeadLetterSenderOptions {
  transport: EventTransport;
  topic: string;
  backoff: Backoff;
  signal: AbortSignal;
  log: TransportLogger;
  onError(message: string): void;
}

export function createDeadLetterSender(options: DeadLetterSenderOptions): DeadLetterSender {
  const { transport, topic, backoff, signal, log } = options;
  let producer: EventProducer | undefined;
  let connected: Promise<void> | undefined;

  return {
    async send(record, failure) {
      // Built once, so every retry sends the identical record (same timestamp header).
      const message = deadLetterMessage(topic, record, failure);
      for (let attempt = 1; ; attempt += 1) {
        if (signal.aborted) {
          throw new ConsumerRuntimeError(
            'ERR_CONSUMER_STOPPING',
            `Stopped before the dead letter of ${record.topic}/${record.partition}@${record.offset} was acknowledged`,
          );
        }
        try {
          producer ??= transport.createProducer();
          connected ??= producer.connect();
          await connected;
          await producer.send([message]);
          return;
        } catch (error) {
          connected = undefined; // connect again before the next try
          options.onError(`dead letter not acknowledged: ${errorMessage(error)}`);
          const delayMs = backoff.delayAfter(attempt);
          log.warn(
            {
              err: error,
              topic,
              source: { topic: record.topic, partition: record.partition, offset: record.offset },
              attempt,
              delayMs,
            },
            'dead letter not acknowledged; retrying',
          );
          await sleep(delayMs, signal);
        }
      }
    },

    async close() {
      await producer?.disconnect();
    },
  };
}
