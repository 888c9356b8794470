import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordBatch } from '../src/index.js';
import { createCollector, eventually, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

/** Options for readers that only follow what happens now, such as the API's live event stream. */
onEachTransport(t, async (t, transport, name) => {
  t.test('a consumer that does not commit leaves no offsets: the next one of its group starts over', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(Array.from({ length: 4 }, (_, n) => message(topic, 'k', `value-${n}`)));

    const first = createCollector();
    const reader = transport.createConsumer({ groupId: group, topics: [topic], commitOffsets: false });
    await reader.runBatches(async (batch) => {
      for (const record of batch.records) await first.handler(record);
    });
    await first.waitForCount(4);
    await reader.stop();

    const [lag] = await transport.consumerLag(group, [topic]);
    t.equal(lag?.committedOffset, '-1', 'nothing was committed for the group');

    const next = createCollector();
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.run(next.handler);
    await next.waitForCount(4);
    t.same(next.records.map((record) => record.value), ['value-0', 'value-1', 'value-2', 'value-3'], 'every record again');
  });

  t.test('a consumer that does not commit still gets a rejected batch again', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send([message(topic, 'k', 'once-refused')]);

    const tries: string[] = [];
    const reader = transport.createConsumer({ groupId: group, topics: [topic], commitOffsets: false, redeliveryDelayMs: 50 });
    t.teardown(() => reader.stop());
    await reader.runBatches(async (batch) => {
      tries.push(...batch.records.map((record) => record.value));
      if (tries.length === 1) throw new Error('not yet');
    });
    await eventually(() => {
      if (tries.length < 2) throw new Error(`${tries.length} tries so far`);
    });
    t.same(tries, ['once-refused', 'once-refused'], 'the same record, delivered again');
  });

  t.test('with a linger, records that arrive close together are handed over together', { skip: name === 'embedded' && 'the embedded broker hands records over in memory and has no use for a linger' }, async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());

    const batches: RecordBatch[] = [];
    const reader = transport.createConsumer({ groupId: group, topics: [topic], fromBeginning: false, commitOffsets: false, lingerMs: 500 });
    t.teardown(() => reader.stop());
    await reader.runBatches(async (batch) => {
      batches.push(batch);
    });
    // Four records 80 ms apart, 240 ms in all: without a linger each comes in a fetch of its own.
    for (let n = 0; n < 4; n++) {
      if (n > 0) await sleep(80);
      await producer.send([message(topic, 'k', `value-${n}`)]);
    }
    await eventually(() => {
      const received = batches.reduce((sum, batch) => sum + batch.records.length, 0);
      if (received < 4) throw new Error(`received ${received} of 4 records`);
    });
    // A fetch lingers 500 ms, so a 240 ms span falls into at most two of them.
    t.ok(batches.length <= 2, `4 records in ${batches.length} batches`);
    t.same(batches.flatMap((batch) => batch.records.map((record) => record.value)), ['value-0', 'value-1', 'value-2', 'value-3'], 'in order');
  });
});
