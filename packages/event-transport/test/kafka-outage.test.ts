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
  const during = [message(topic, 'product-1', 'during'), message(topic, 'product-2', 'during')];
  await t.rejects(producer.send(during), { code: 'ERR_TRANSPORT_UNAVAILABLE' });
  t.ok(Date.now() - started < 20_000, 'the send during the outage failed within seconds');

  await broker.start();
  // The caller's own retry loop, as the outbox relay has it: the same batch, the same producer.
  await eventually(() => producer.send(during), { timeoutMs: 120_000, intervalMs: 500 });
  t.pass('retrying the same batch through the same producer succeeded once the broker was back');
  await producer.send([message(topic, 'product-1', 'after'), message(topic, 'product-2', 'after')]);

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
  t.same(values.one, ['before', 'during', 'after'], 'product-1: each record once, in order');
  t.same(values.two, ['before', 'during', 'after'], 'product-2: the consumer that ran through the crash kept consuming');
  await consumer.stop();
});
