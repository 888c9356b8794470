import t from 'tap';
import { createCollector, eventually, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('consumer lag counts the records a group has not handled yet', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 2);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 10 }, (_, n) => message(topic, `key-${n}`, `value-${n}`)));

    const before = await transport.consumerLag(group, [topic]);
    t.same(
      before.map((entry) => [entry.topic, entry.partition, entry.committedOffset]),
      [
        [topic, 0, '-1'],
        [topic, 1, '-1'],
      ],
      'one entry per partition; a group that never committed shows -1',
    );
    t.equal(before.reduce((sum, entry) => sum + Number(entry.highWatermark), 0), 10, 'high watermarks add up to 10');
    t.equal(before.reduce((sum, entry) => sum + entry.lag, 0), 10, 'all 10 records are lag');

    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(collector.handler);
    await collector.waitForCount(10);

    const after = await eventually(async () => {
      const lags = await transport.consumerLag(group, [topic]);
      if (lags.some((entry) => entry.lag !== 0)) throw new Error(`lag not yet 0: ${JSON.stringify(lags)}`);
      return lags;
    });
    for (const entry of after) {
      t.equal(entry.committedOffset, entry.highWatermark, `partition ${entry.partition}: committed up to the end`);
    }
  });

  t.test('consumer lag of an unknown topic rejects with ERR_TRANSPORT_UNKNOWN_TOPIC', async (t) => {
    const { topic, group } = uniqueNames();
    await t.rejects(transport.consumerLag(group, [topic]), { code: 'ERR_TRANSPORT_UNKNOWN_TOPIC' });
  });

  t.test('ensureTopics leaves an existing topic as it is', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 3);
    await transport.ensureTopics([topic], 5);
    t.equal((await transport.consumerLag(group, [topic])).length, 3, 'still 3 partitions');
  });
});
