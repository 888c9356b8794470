import { TransportError } from '../errors.js';
import type { OutgoingMessage } from '../types.js';

// Kafka's own rule for topic names; the embedded broker also uses names as directory names.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new TransportError(
      'ERR_TRANSPORT_INVALID_TOPIC',
      `Invalid topic name ${JSON.stringify(topic)}: use 1-249 characters among a-z A-Z 0-9 . _ -`,
    );
  }
}

export function assertPartitionCount(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new TransportError(
      'ERR_TRANSPORT_INVALID_TOPIC',
      `Invalid partition count ${partitions}: expected a positive integer`,
    );
  }
}

/**
 * Both transports refuse the same malformed messages up front, so a bug in the caller fails the
 * same way in development (embedded) as in production (Kafka) instead of deep inside a client.
 */
export function assertMessages(messages: OutgoingMessage[]): void {
  if (!Array.isArray(messages)) {
    throw new TransportError('ERR_TRANSPORT_INVALID_MESSAGE', 'send() expects an array of messages');
  }
  messages.forEach((message, index) => {
    const where = `message #${index}`;
    if (message === null || typeof message !== 'object') {
      throw new TransportError('ERR_TRANSPORT_INVALID_MESSAGE', `${where} is not an object`);
    }
    assertTopicName(message.topic);
    if (typeof message.key !== 'string') {
      throw new TransportError('ERR_TRANSPORT_INVALID_MESSAGE', `${where}: key must be a string`);
    }
    if (typeof message.value !== 'string') {
      throw new TransportError('ERR_TRANSPORT_INVALID_MESSAGE', `${where}: value must be a string`);
    }
    const headers = message.headers ?? {};
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') {
        throw new TransportError(
          'ERR_TRANSPORT_INVALID_MESSAGE',
          `${where}: header ${JSON.stringify(name)} must be a string`,
        );
      }
    }
  });
}
