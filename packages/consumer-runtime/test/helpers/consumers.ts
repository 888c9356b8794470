import type { Test } from 'tap';
import type { EventTransport, OutgoingMessage } from '@herald/event-transport';
import {
  startConsumer,
  type ConsumerDefinition,
  type ConsumerRuntimeOptions,
  type RunningConsumer,
} from '../../src/index.js';
import type { uniqueNames } from './transports.js';

type Names = ReturnType<typeof uniqueNames>;

/** Creates the source topic and returns a send() whose producer is closed after the test. */
export async function sourceTopic(
  t: Test,
  transport: EventTransport,
  names: Names,
  partitions = 1,
): Promise<(messages: OutgoingMessage[]) => Promise<void>> {
  await transport.ensureTopics([names.topic], partitions);
  const producer = transport.createProducer();
  t.teardown(() => producer.disconnect());
  await producer.connect();
  return (messages) => producer.send(messages);
}

/** Starts a consumer of the test's topic with fast backoffs; stopped after the test. */
export async function startTestConsumer(
  t: Test,
  transport: EventTransport,
  names: Names,
  definition: Partial<ConsumerDefinition> & Pick<ConsumerDefinition, 'handle'>,
  options: Partial<ConsumerRuntimeOptions> = {},
): Promise<RunningConsumer> {
  const consumer = await startConsumer(
    { name: names.name, topics: [names.topic], ...definition },
    { transport, prefix: names.prefix, initialBackoffMs: 5, maxBackoffMs: 40, ...options },
  );
  t.teardown(() => consumer.stop());
  return consumer;
}
