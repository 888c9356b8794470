import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEmbeddedBroker } from '../src/index.js';
import { createCollector, message } from './helpers/eventually.js';
import { startProducerWorker } from './helpers/producer-worker.js';
import { uniqueNames } from './helpers/transports.js';

// setAvailable(false) is the embedded stand-in for a broker outage.

t.test('while unavailable, sends reject; once available again, the same producer sends', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic, group } = uniqueNames();
  await broker.ensureTopics([topic], 2);
  const producer = broker.createProducer();
  await producer.send([message(topic, 'k', 'before')]);

  broker.setAvailable(false);
  t.equal(broker.available, false);
  await t.rejects(producer.send([message(topic, 'k', 'during')]), { code: 'ERR_TRANSPORT_UNAVAILABLE' });
  await t.rejects(producer.connect(), { code: 'ERR_TRANSPORT_UNAVAILABLE' }, 'connect() fails too');
  await t.rejects(broker.consumerLag(group, [topic]), { code: 'ERR_TRANSPORT_UNAVAILABLE' }, 'admin calls fail too');

  broker.setAvailable(true);
  await producer.send([message(topic, 'k', 'after')]);
  const collector = createCollector();
  const consumer = broker.createConsumer({ groupId: group, topics: [topic] });
  t.teardown(() => consumer.stop());
  await consumer.run(collector.handler);
  await collector.waitForCount(2);
  t.same(collector.records.map((record) => record.value), ['before', 'after'], 'the rejected send stored nothing');
});

t.test('while unavailable, consumers are handed nothing new, and catch up afterwards', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic, group } = uniqueNames();
  await broker.ensureTopics([topic], 2);
  const producer = broker.createProducer();
  await producer.send(Array.from({ length: 6 }, (_, n) => message(topic, `key-${n}`, `value-${n}`)));

  broker.setAvailable(false);
  const collector = createCollector();
  const consumer = broker.createConsumer({ groupId: group, topics: [topic] });
  t.teardown(() => consumer.stop());
  await consumer.run(collector.handler);
  await sleep(200);
  t.equal(collector.records.length, 0, 'nothing delivered during the outage');

  broker.setAvailable(true);
  await collector.waitForCount(6);
  t.pass('all six delivered once the broker is back');
});

t.test('through the worker bridge, an outage rejects with ERR_TRANSPORT_UNAVAILABLE and then recovers', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic } = uniqueNames();
  await broker.ensureTopics([topic], 1);
  const worker = await startProducerWorker(t, broker.producerDescriptor());

  broker.setAvailable(false);
  t.match(await worker.send([message(topic, 'k', 'v')]), { ok: false, code: 'ERR_TRANSPORT_UNAVAILABLE' });
  broker.setAvailable(true);
  t.match(await worker.send([message(topic, 'k', 'v')]), { ok: true });
  const [lag] = await broker.consumerLag('nobody', [topic]);
  t.equal(lag!.highWatermark, '1', 'only the send made after the outage was stored');
});
