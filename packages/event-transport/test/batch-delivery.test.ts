import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventTransport, RecordBatch } from '../src/index.js';
import { eventually, message } from './helpers/eventually.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

const offsetsOf = (batch: RecordBatch): number[] => batch.records.map((record) => Number(record.offset));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, n) => from + n);

async function committedOffset(transport: EventTransport, group: string, topic: string): Promise<string> {
  const [lag] = await transport.consumerLag(group, [topic]);
  return lag!.committedOffset;
}

onEachTransport(t, async (t, transport) => {
  t.test('batches hold one partition each, in offset order, and together every record once', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 3);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    const total = 90;
    for (let n = 0; n < total; n += 15) {
      await producer.send(Array.from({ length: 15 }, (_, i) => message(topic, `key-${(n + i) % 9}`, `value-${n + i}`)));
    }

    const batches: RecordBatch[] = [];
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.runBatches(async (batch) => {
      batches.push(batch);
    });
    await eventually(() => {
      const received = batches.reduce((sum, batch) => sum + batch.records.length, 0);
      if (received < total) throw new Error(`received ${received} of ${total} records`);
    });

    for (const batch of batches) {
      t.ok(
        batch.records.every((record) => record.topic === batch.topic && record.partition === batch.partition),
        `a batch of partition ${batch.partition} holds only that partition's records`,
      );
    }
    t.ok(batches.some((batch) => batch.records.length > 1), 'records arrive several at a time');
    for (const partition of new Set(batches.map((batch) => batch.partition))) {
      const offsets = batches.filter((batch) => batch.partition === partition).flatMap(offsetsOf);
      t.same(offsets, range(0, offsets.length), `partition ${partition}: every offset once, in order`);
    }
    for (let key = 0; key < 9; key++) {
      const values = batches.flatMap((batch) => batch.records).filter((record) => record.key === `key-${key}`);
      t.same(
        values.map((record) => record.value),
        range(0, total / 9).map((n) => `value-${key + 9 * n}`),
        `key-${key} in send order`,
      );
    }
  });

  t.test('no batch holds more than maxBatchSize records', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 25).map((n) => message(topic, 'k', `value-${n}`)));

    const batches: RecordBatch[] = [];
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await consumer.runBatches(
      async (batch) => {
        batches.push(batch);
      },
      { maxBatchSize: 10 },
    );
    await eventually(() => {
      if (batches.flatMap(offsetsOf).length < 25) throw new Error('not everything delivered yet');
    });
    t.same(batches.flatMap(offsetsOf), range(0, 25), 'every record once, in order');
    t.ok(batches.every((batch) => batch.records.length <= 10), `batch sizes ${batches.map((b) => b.records.length).join(',')}`);
    t.equal(batches[0]!.records.length, 10, 'the first batch was filled up to the limit');
  });

  t.test('a partial count commits that many records and delivers the rest again', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 10).map((n) => message(topic, 'k', `value-${n}`)));

    const batches: number[][] = [];
    const consumer = transport.createConsumer({ groupId: group, topics: [topic], redeliveryDelayMs: 100 });
    await consumer.runBatches(async (batch) => {
      batches.push(offsetsOf(batch));
      if (batches.length === 1) return 3;
      throw new Error('the store is down from now on');
    });
    await eventually(() => {
      if (batches.length < 3) throw new Error(`${batches.length} deliveries so far`);
    });
    t.same(batches[0], range(0, 10), 'the first batch held all ten records');
    t.same(batches[1], range(3, 10), 'the next one starts right after the three handled records');
    t.same(batches[2], range(3, 10), 'and comes again after its rejection');
    t.equal(await eventually(() => committedOffset(transport, group, topic)), '3', 'the three handled records are committed');
    await consumer.stop();

    const next: number[] = [];
    const nextConsumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => nextConsumer.stop());
    await nextConsumer.runBatches(async (batch) => {
      next.push(...offsetsOf(batch));
    });
    await eventually(() => {
      if (next.length < 7) throw new Error(`${next.length} records so far`);
    });
    t.same(next, range(3, 10), 'the next member of the group starts at the first record not handled');
  });

  t.test('a rejected batch is delivered again whole, and nothing of it is committed', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 5).map((n) => message(topic, 'k', `value-${n}`)));

    const batches: number[][] = [];
    let committedAfterRejection: string | undefined;
    const consumer = transport.createConsumer({ groupId: group, topics: [topic], redeliveryDelayMs: 100 });
    t.teardown(() => consumer.stop());
    await consumer.runBatches(async (batch) => {
      batches.push(offsetsOf(batch));
      if (batches.length === 1) throw new Error('database is briefly unavailable');
      committedAfterRejection ??= await committedOffset(transport, group, topic);
    });
    await eventually(() => {
      if (committedAfterRejection === undefined) throw new Error('not delivered again yet');
    });
    t.same(batches.slice(0, 2), [range(0, 5), range(0, 5)], 'the same five records came again');
    t.equal(committedAfterRejection, '-1', 'nothing was committed for the rejected batch');
  });

  t.test('a count outside the batch counts as a rejection, never as a skip', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 3).map((n) => message(topic, 'k', `value-${n}`)));

    const batches: number[][] = [];
    const consumer = transport.createConsumer({ groupId: group, topics: [topic], redeliveryDelayMs: 100 });
    t.teardown(() => consumer.stop());
    await consumer.runBatches(async (batch) => {
      batches.push(offsetsOf(batch));
      return batches.length === 1 ? 7 : undefined;
    });
    await eventually(() => {
      if (batches.length < 2) throw new Error('not delivered again yet');
    });
    t.same(batches[1], range(0, 3), 'the whole batch came again');
  });

  t.test('stop() waits for the batch in flight and commits it', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 4).map((n) => message(topic, 'k', `value-${n}`)));

    let started = false;
    let finished = false;
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    await consumer.runBatches(async () => {
      started = true;
      await sleep(400);
      finished = true;
    });
    await eventually(() => {
      if (!started) throw new Error('handler not started yet');
    });
    await consumer.stop();
    t.ok(finished, 'stop() resolved only after the batch handler had finished');
    t.equal(await committedOffset(transport, group, topic), '4', 'the batch handled during stop() was committed');

    await producer.send([message(topic, 'k', 'after')]);
    const next: string[] = [];
    const nextConsumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => nextConsumer.stop());
    await nextConsumer.runBatches(async (batch) => {
      next.push(...batch.records.map((record) => record.value));
    });
    await eventually(() => {
      if (next.length === 0) throw new Error('nothing yet');
    });
    t.same(next, ['after'], 'the next member starts after the committed batch');
  });

  t.test('runBatches refuses a maxBatchSize that is not a positive integer', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const consumer = transport.createConsumer({ groupId: group, topics: [topic] });
    t.teardown(() => consumer.stop());
    await t.rejects(consumer.runBatches(async () => {}, { maxBatchSize: 0 }), { code: 'ERR_TRANSPORT_CONSUMER_FAILED' });
  });
});
