import t from 'tap';
import { createEmbeddedBroker } from '../src/index.js';
import { createCollector, message } from './helpers/eventually.js';
import { startProducerWorker } from './helpers/producer-worker.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('a producer built from a descriptor on a worker thread delivers, in key order', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 3);
    const worker = await startProducerWorker(t, transport.producerDescriptor());
    for (let round = 0; round < 20; round++) {
      const reply = await worker.send(['a', 'b', 'c', 'd', 'e'].map((key) => message(topic, key, `${key}:${round}`)));
      t.equal(reply.ok, true, `batch ${round} acknowledged`, { diagnostic: !reply.ok, reply });
    }

    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(collector.handler);
    const records = await collector.waitForCount(100);
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      t.same(
        records.filter((record) => record.key === key).map((record) => record.value),
        Array.from({ length: 20 }, (_, round) => `${key}:${round}`),
        `${key} in send order`,
      );
    }
  });

  t.test('overlapping sends from the worker each get their own acknowledgement', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const worker = await startProducerWorker(t, transport.producerDescriptor());
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, n) => worker.send([message(topic, 'k', `value-${n}`)])),
    );
    t.same(replies.map((reply) => reply.ok), Array(10).fill(true), 'ten acknowledgements');
    t.same(
      replies.map((reply) => reply.id),
      Array.from({ length: 10 }, (_, n) => n + 1),
      'correlated with their requests',
    );

    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(collector.handler);
    await collector.waitForCount(10);
    t.same(
      collector.records.map((record) => record.value),
      Array.from({ length: 10 }, (_, n) => `value-${n}`),
      'stored in the order the worker sent them',
    );
  });
});

t.test('embedded bridge: a send the broker refuses rejects in the worker with the same error code', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic } = uniqueNames();
  await broker.ensureTopics([topic], 1);
  const worker = await startProducerWorker(t, broker.producerDescriptor());

  t.match(await worker.send([message('no-such-topic', 'k', 'v')]), {
    ok: false,
    name: 'TransportError',
    code: 'ERR_TRANSPORT_UNKNOWN_TOPIC',
  });
  t.match(await worker.send([message(topic, 'k', 'v')]), { ok: true }, 'the same producer still works');
});

t.test('embedded bridge: closing the broker rejects the worker\'s sends with ERR_TRANSPORT_CLOSED', async (t) => {
  const broker = createEmbeddedBroker();
  const { topic } = uniqueNames();
  await broker.ensureTopics([topic], 1);
  const worker = await startProducerWorker(t, broker.producerDescriptor());
  await broker.close();
  t.match(await worker.send([message(topic, 'k', 'v')]), { ok: false, code: 'ERR_TRANSPORT_CLOSED' });
});
