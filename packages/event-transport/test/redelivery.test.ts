import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveredRecord } from '../src/index.js';
import { eventually, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('a rejected record is delivered again, and nothing after it in its partition comes first', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 6 }, (_, n) => message(topic, 'same-key', `value-${n}`)));

    const deliveries: string[] = [];
    let rejectionsLeft = 2;
    const consumer = transport.createConsumer({ groupId: group, topics: [topic], redeliveryDelayMs: 100 });
    t.teardown(() => consumer.stop());
    await consumer.run(async (record) => {
      deliveries.push(record.offset);
      if (record.offset === '2' && rejectionsLeft > 0) {
        rejectionsLeft -= 1;
        throw new Error('database is briefly unavailable');
      }
    });

    await eventually(() => {
      if (deliveries.at(-1) !== '5') throw new Error(`delivered so far: ${deliveries.join(',')}`);
    });
    t.same(deliveries, ['0', '1', '2', '2', '2', '3', '4', '5'], 'offset 2 comes three times, in place');
  });

  t.test('a record that keeps failing holds back only its own partition', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 2);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    // Enough keys that both partitions get some.
    await producer.send(Array.from({ length: 20 }, (_, n) => message(topic, `key-${n}`, `value-${n}`)));

    const handled: DeliveredRecord[] = [];
    let stuckPartition: number | undefined;
    const consumer = transport.createConsumer({ groupId: group, topics: [topic], redeliveryDelayMs: 100 });
    t.teardown(() => consumer.stop());
    await consumer.run(async (record) => {
      stuckPartition ??= record.partition;
      if (record.partition === stuckPartition) throw new Error('poison record');
      handled.push(record);
    });

    await eventually(() => {
      if (handled.length === 0 || handled.length < Number(handled.at(-1)!.offset) + 1) throw new Error('waiting');
      if (handled.length < 5) throw new Error('waiting for more');
    });
    await sleep(300);
    const other = handled.filter((record) => record.partition !== stuckPartition);
    t.equal(other.length, handled.length, 'only records of the other partition were handled');
    t.same(
      other.map((record) => record.offset),
      other.map((_, index) => String(index)),
      'the other partition was handled from its first record on, in order',
    );
  });
});
