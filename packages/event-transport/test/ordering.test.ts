import t from 'tap';
import { createCollector, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('records with the same key are delivered in send order across many sends', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 4);
    const keys = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6'];
    const sendsPerKey = 30;

    const producer = transport.createProducer();
    await producer.connect();
    t.teardown(() => producer.disconnect());
    for (let round = 0; round < sendsPerKey; round++) {
      // Batches mix keys, and some carry two records of the same key.
      await producer.send(
        keys.flatMap((key, index) =>
          index % 2 === 0
            ? [message(topic, key, `${key}:${2 * round}`), message(topic, key, `${key}:${2 * round + 1}`)]
            : [message(topic, key, `${key}:${round}`)],
        ),
      );
    }

    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(collector.handler);
    const expectedTotal = keys.reduce((sum, _key, index) => sum + (index % 2 === 0 ? 2 : 1) * sendsPerKey, 0);
    const records = await collector.waitForCount(expectedTotal);

    for (const [index, key] of keys.entries()) {
      const count = (index % 2 === 0 ? 2 : 1) * sendsPerKey;
      const values = records.filter((record) => record.key === key).map((record) => record.value);
      t.same(values, Array.from({ length: count }, (_, n) => `${key}:${n}`), `${key} arrives in order, once each`);
      const partitions = new Set(records.filter((record) => record.key === key).map((record) => record.partition));
      t.equal(partitions.size, 1, `${key} lives on a single partition`);
    }
  });

  t.test('a delivered record carries the key, value and headers that were sent, as strings', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    const value = JSON.stringify({ specversion: '1.0', id: 'e-1', type: 'herald.test', data: { ok: 'ü' } });
    const before = Date.now();
    await producer.send([
      message(topic, 'product-42', value, { 'content-type': 'application/cloudevents+json; charset=UTF-8', ce_id: 'e-1' }),
    ]);

    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(collector.handler);
    const [record] = await collector.waitForCount(1);

    t.match(record, {
      topic,
      partition: 0,
      offset: '0',
      key: 'product-42',
      value,
      headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8', ce_id: 'e-1' },
    });
    t.ok(record!.timestamp >= before - 5000 && record!.timestamp <= Date.now() + 5000, 'timestamp is epoch ms');
  });

  t.test('a send of a malformed message rejects before anything is sent', async (t) => {
    const { topic } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await t.rejects(
      producer.send([message(topic, 'k', 'fine'), { topic, key: 'k', value: 42 as unknown as string, headers: {} }]),
      { code: 'ERR_TRANSPORT_INVALID_MESSAGE' },
    );
    const [lag] = await transport.consumerLag('nobody', [topic]);
    t.equal(lag!.highWatermark, '0', 'not even the well-formed message was appended');
  });
});
