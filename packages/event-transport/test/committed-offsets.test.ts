import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCollector, eventually, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('a new consumer of the same group resumes after the last handled record', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 5 }, (_, n) => message(topic, 'k', `first-${n}`)));

    const first = createCollector();
    const firstConsumer = transport.createConsumer({ groupId: group, topics: [topic] });
    await firstConsumer.run(first.handler);
    await first.waitForCount(5);
    await firstConsumer.stop();

    await producer.send(Array.from({ length: 3 }, (_, n) => message(topic, 'k', `second-${n}`)));
    const second = createCollector();
    const secondConsumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => secondConsumer.stop());
    await secondConsumer.run(second.handler);
    await second.waitForCount(3);
    await sleep(200);
    t.same(
      second.records.map((record) => [record.offset, record.value]),
      [
        ['5', 'second-0'],
        ['6', 'second-1'],
        ['7', 'second-2'],
      ],
      'only the records after the last handled one are delivered',
    );
  });

  t.test('a record whose handler never succeeded goes to the next consumer of the group', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 3 }, (_, n) => message(topic, 'k', `value-${n}`)));

    let failures = 0;
    const failing = transport.createConsumer({ groupId: group, topics: [topic], redeliveryDelayMs: 50 });
    await failing.run(async (record) => {
      if (record.offset === '1') {
        failures += 1;
        throw new Error('not yet');
      }
    });
    await eventually(() => {
      if (failures < 2) throw new Error('waiting for two failures');
    });
    await failing.stop();

    const next = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(next.handler);
    await next.waitForCount(2);
    t.same(next.records.map((record) => record.offset), ['1', '2'], 'delivery resumes at the failed record');
  });

  t.test('stop() waits for the handler in flight and commits its record', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send([message(topic, 'k', 'slow'), message(topic, 'k', 'after')]);

    let started = false;
    let finished = false;
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    await consumer.run(async (record) => {
      if (record.value !== 'slow') return;
      started = true;
      await sleep(400);
      finished = true;
    });
    await eventually(() => {
      if (!started) throw new Error('handler not started yet');
    });
    await consumer.stop();
    t.ok(finished, 'stop() resolved only after the handler had finished');

    const next = createCollector();
    const nextConsumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => nextConsumer.stop());
    await nextConsumer.run(next.handler);
    const [record] = await next.waitForCount(1);
    t.equal(record!.value, 'after', 'the record handled during stop() was committed');
  });

  t.test('a new group with fromBeginning false reads only records sent after it joined', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 2);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 4 }, (_, n) => message(topic, `key-${n}`, `old-${n}`)));

    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic], fromBeginning: false });
    t.teardown(() => consumer.stop());
    await consumer.run(collector.handler);
    await producer.send(Array.from({ length: 4 }, (_, n) => message(topic, `key-${n}`, `new-${n}`)));
    await collector.waitForCount(4);
    await sleep(200);
    t.same(collector.records.map((record) => record.value).sort(), ['new-0', 'new-1', 'new-2', 'new-3']);
  });
});
