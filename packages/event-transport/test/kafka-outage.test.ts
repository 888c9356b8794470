import t from 'tap';
import { randomUUID } from 'node:crypto';
import { createKafkaTransport } from '../src/index.js';
import { createCollector, eventually, message } from './helpers/eventually.js';
import { uniqueNames } from './helpers/transports.js';

/** The part of @herald/stack (tools/stack) this test uses: a broker it may crash and restart. */
interface StackKafka {
  brokers: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}
interface StackModule {
  startKafka(options?: { port?: number; dataDir?: string }): Promise<StackKafka>;
}

// Imported by name at run time, so this package neither depends on nor type-checks against the
// stack tooling; it only needs it when HERALD_TEST_STACK=1 asks for the stack tests.
const stackModule = '@herald/stack';
const skip = process.env.HERALD_TEST_STACK === '1' ? false : 'HERALD_TEST_STACK=1 is not set (this test starts and crashes a Kafka broker of its own)';

t.test('a Kafka producer and consumer survive a broker crash, with the same objects', { skip, timeout: 300_000 }, async (t) => {
  const { startKafka } = (await import(stackModule)) as StackModule;
  const broker = await startKafka();
  t.teardown(() => broker.stop());
  const transport = createKafkaTransport({
    brokers: broker.brokers.split(','),
    clientId: `herald-outage-${randomUUID().slice(0, 8)}`,
  });
  t.teardown(() => transport.close());
  const { topic, group } = uniqueNames();
  await transport.ensureTopics([topic], 2);

  const producer = transport.createProducer();
  await producer.send([message(topic, 'product-1', 'before'), message(topic, 'product-2', 'before')]);
  const collector = createCollector();
  const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
  await consumer.run(collector.handler);
  await collector.waitForCount(2);

  await broker.kill();
  const started = Date.now();
  await t.rejects(producer.send([message(topic, 'product-1', 'during')]), { name: 'TransportError' });
  t.ok(Date.now() - started < 20_000, 'the send during the outage failed within seconds');

  await broker.start();
  // The caller's own retry loop, as the outbox relay has it: same producer object throughout.
  await eventually(() => producer.send([message(topic, 'product-1', 'after'), message(topic, 'product-2', 'after')]), {
    timeoutMs: 120_000,
    intervalMs: 500,
  });
  t.pass('a later send through the same producer succeeded');

  const values = await eventually(
    () => {
      const seen = (key: string): string[] => collector.records.filter((r) => r.key === key).map((r) => r.value);
      for (const key of ['product-1', 'product-2']) {
        if (!seen(key).includes('after')) throw new Error(`${key}: "after" not consumed yet`);
      }
      return { one: seen('product-1'), two: seen('product-2') };
    },
    { timeoutMs: 120_000 },
  );
  t.equal(values.one[0], 'before', 'product-1: the record from before the crash came first');
  t.equal(values.one.at(-1), 'after', 'product-1: the record from after the crash came last');
  t.equal(values.two.at(-1), 'after', 'the consumer that ran through the crash kept consuming');
  await consumer.stop();
});
