/**
 * The test harness for code written against the transport contract: run a test once per
 * transport, always on the embedded broker and on Kafka when KAFKA_BROKERS points at a cluster.
 * Exported as `@herald/event-transport/testing` for the tests of packages built on the contract.
 */
import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { createEmbeddedBroker, createKafkaTransport, type DescribableTransport } from '../src/index.js';

export interface TransportUnderTest {
  name: 'embedded' | 'kafka';
  /** A reason to skip, or false. */
  skip: string | false;
  create(): DescribableTransport;
}

const kafkaBrokers = process.env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean) ?? [];

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
  define: (t: Test, transport: DescribableTransport, name: TransportUnderTest['name']) => Promise<void>,
): void {
  for (const target of transportsUnderTest) {
    t.test(`on the ${target.name} transport`, { skip: target.skip }, async (t) => {
      const transport = target.create();
      t.teardown(() => transport.close());
      await define(t, transport, target.name);
    });
  }
}
