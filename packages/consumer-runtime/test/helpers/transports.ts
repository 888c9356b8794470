import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { createEmbeddedBroker, createKafkaTransport, type EventTransport } from '@herald/event-transport';

/**
 * The runtime's tests run once per transport: always on the embedded broker, and on Kafka when
 * KAFKA_BROKERS (comma-separated host:port list) points at a running cluster.
 */
export interface TransportUnderTest {
  name: 'embedded' | 'kafka';
  /** A reason to skip, or false. */
  skip: string | false;
  create(): EventTransport;
}

const kafkaBrokers =
  process.env.KAFKA_BROKERS?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean) ?? [];

export const transportsUnderTest: TransportUnderTest[] = [
  { name: 'embedded', skip: false, create: () => createEmbeddedBroker() },
  {
    name: 'kafka',
    skip:
      kafkaBrokers.length > 0
        ? false
        : 'KAFKA_BROKERS is not set (run `npm run test:stack -- <file>`, or set e.g. KAFKA_BROKERS=127.0.0.1:9092)',
    create: () => createKafkaTransport({ brokers: kafkaBrokers, clientId: `herald-test-${randomUUID().slice(0, 8)}` }),
  },
];

/** Runs `define` once per transport, as a subtest named after it; closes the transport after. */
export function onEachTransport(
  t: Test,
  define: (t: Test, transport: EventTransport, name: TransportUnderTest['name']) => Promise<void>,
): void {
  for (const target of transportsUnderTest) {
    t.test(`on the ${target.name} transport`, { skip: target.skip }, async (t) => {
      const transport = target.create();
      t.teardown(() => transport.close());
      await define(t, transport, target.name);
    });
  }
}

/** Fresh names per test, so tests never see each other's records, groups or dead letters. */
export function uniqueNames(): { topic: string; name: string; prefix: string } {
  const id = randomUUID();
  return { topic: `test-${id}`, name: `consumer-${id.slice(0, 8)}`, prefix: `t${id.slice(9, 13)}${id.slice(14, 18)}.` };
}
