import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveredRecord } from '../src/index.js';
import { createCollector, eventually, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

const identity = (record: DeliveredRecord): string => `${record.partition}/${record.offset}`;

onEachTransport(t, async (t, transport) => {
  t.test('two groups each see every record', async (t) => {
    const { topic, group, otherGroup } = uniqueNames();
    await transport.ensureTopics([topic], 3);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 30 }, (_, n) => message(topic, `key-${n % 7}`, `value-${n}`)));

    const first = createCollector();
    const second = createCollector();
    const firstConsumer = transport.createConsumer({ groupId: group, topics: [topic] });
    const secondConsumer = transport.createConsumer({ groupId: otherGroup, topics: [topic] });
    t.teardown(() => firstConsumer.stop());
    t.teardown(() => secondConsumer.stop());
    await firstConsumer.run(first.handler);
    await secondConsumer.run(second.handler);

    await first.waitForCount(30);
    await second.waitForCount(30);
    const all = (records: DeliveredRecord[]): string[] => records.map((record) => record.value).sort();
    t.same(all(first.records), all(second.records), 'both groups received the same 30 records');
    t.equal(new Set(first.records.map(identity)).size, 30, 'no record twice within a group');
  });

  t.test('two members of one group never both receive the same record', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 4);
    const a = createCollector();
    const b = createCollector();
    const memberA = transport.createConsumer({ groupId: group, topics: [topic] });
    const memberB = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => memberA.stop());
    t.teardown(() => memberB.stop());
    await memberA.run(a.handler);
    await memberB.run(b.handler);

    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    const total = 80;
    for (let n = 0; n < total; n += 10) {
      await producer.send(Array.from({ length: 10 }, (_, i) => message(topic, `key-${n + i}`, `value-${n + i}`)));
    }

    await eventually(() => {
      if (a.records.length + b.records.length < total) throw new Error('not everything delivered yet');
    });
    await sleep(300); // a duplicate would show up now, if there were one
    const seenByA = new Set(a.records.map(identity));
    const both = b.records.map(identity).filter((id) => seenByA.has(id));
    t.same(both, [], 'no record reached both members');
    t.equal(a.records.length + b.records.length, total, 'every record reached exactly one member');
    t.ok(a.records.length > 0 && b.records.length > 0, 'the partitions were shared between the two members');
    const partitionsOf = (records: DeliveredRecord[]): Set<number> => new Set(records.map((r) => r.partition));
    const shared = [...partitionsOf(a.records)].filter((p) => partitionsOf(b.records).has(p));
    t.same(shared, [], 'each partition belongs to one member');
  });

  t.test('when a member stops, the remaining member takes over its partitions', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 2);
    const a = createCollector();
    const b = createCollector();
    const memberA = transport.createConsumer({ groupId: group, topics: [topic] });
    const memberB = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => memberA.stop());
    await memberA.run(a.handler);
    await memberB.run(b.handler);
    await memberB.stop();

    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 20 }, (_, n) => message(topic, `key-${n}`, `value-${n}`)));
    await a.waitForCount(20);
    t.equal(new Set(a.records.map((r) => r.partition)).size, 2, 'the remaining member reads both partitions');
    t.equal(b.records.length, 0, 'the stopped member receives nothing');
  });
});
