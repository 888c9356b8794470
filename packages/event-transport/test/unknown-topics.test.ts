import t from 'tap';
import { message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('sending to a topic that was never created rejects, and creates nothing', async (t) => {
    const { topic, otherGroup } = uniqueNames();
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await t.rejects(producer.send([message(topic, 'k', 'v')]), { code: 'ERR_TRANSPORT_UNKNOWN_TOPIC' });
    await t.rejects(transport.consumerLag(otherGroup, [topic]), { code: 'ERR_TRANSPORT_UNKNOWN_TOPIC' });

    await transport.ensureTopics([topic], 1);
    await producer.send([message(topic, 'k', 'v')]);
    t.pass('the same producer sends once the topic exists');
  });

  t.test('a consumer of a topic that was never created fails to start', async (t) => {
    const { topic, group } = uniqueNames();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await t.rejects(consumer.run(async () => {}), { code: 'ERR_TRANSPORT_UNKNOWN_TOPIC' });
  });

  t.test('an invalid topic name is refused with ERR_TRANSPORT_INVALID_TOPIC', async (t) => {
    await t.rejects(transport.ensureTopics(['no spaces allowed'], 1), { code: 'ERR_TRANSPORT_INVALID_TOPIC' });
    await t.rejects(transport.ensureTopics([uniqueNames().topic], 0), { code: 'ERR_TRANSPORT_INVALID_TOPIC' });
  });
});
