import t from 'tap';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createEmbeddedBroker, descriptorTransferList, type PartitionLag, type RecordBatch } from '../src/index.js';
import { eventually, message } from './helpers/eventually.js';
import { startTransportWorker } from './helpers/transport-worker.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, n) => from + n);

onEachTransport(t, async (t, transport) => {
  t.test('a consumer on a worker receives every record in order, in batches, and commits them', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 3);
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 60).map((n) => message(topic, `key-${n % 6}`, `value-${n}`)));

    const worker = await startTransportWorker(t, transport.transportDescriptor());
    await worker.call({ op: 'runBatches', consumer: 'a', groupId: group, topics: [topic], settle: 'auto' });
    await eventually(() => {
      const received = worker.batches.reduce((sum, batch) => sum + batch.offsets.length, 0);
      if (received < 60) throw new Error(`received ${received} of 60 records`);
    });
    for (const partition of new Set(worker.batches.map((batch) => batch.partition))) {
      const offsets = worker.batches.filter((batch) => batch.partition === partition).flatMap((batch) => batch.offsets);
      t.same(offsets, range(0, offsets.length), `partition ${partition}: every offset once, in order`);
    }
    t.ok(worker.batches.some((batch) => batch.offsets.length > 1), 'records crossed the thread in batches');
    await eventually(async () => {
      const lags = await transport.consumerLag(group, [topic]);
      if (lags.some((lag) => lag.lag !== 0)) throw new Error(`not all committed: ${JSON.stringify(lags)}`);
    });
    t.pass('the main thread sees everything committed');
  });

  t.test('topics created and lag read through a worker\'s transport are those of the main thread\'s', async (t) => {
    const { topic, group } = uniqueNames();
    const worker = await startTransportWorker(t, transport.transportDescriptor());
    await worker.call({ op: 'ensureTopics', topics: [topic], partitions: 2 });
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 10).map((n) => message(topic, `key-${n}`, `value-${n}`)));

    const lags = await worker.call<PartitionLag[]>({ op: 'consumerLag', groupId: group, topics: [topic] });
    t.same(lags.map((lag) => [lag.partition, lag.committedOffset]), [[0, '-1'], [1, '-1']], 'two partitions, never committed');
    t.equal(lags.reduce((sum, lag) => sum + lag.lag, 0), 10, 'the records the main thread sent are the worker\'s lag');
    await t.rejects(worker.call({ op: 'consumerLag', groupId: group, topics: ['no-such-topic'] }), {
      code: 'ERR_TRANSPORT_UNKNOWN_TOPIC',
    });
  });

  t.test('a record handler on a worker gets every record once, in order', async (t) => {
    const { topic, group } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const worker = await startTransportWorker(t, transport.transportDescriptor());
    await worker.call({ op: 'run', consumer: 'a', groupId: group, topics: [topic] });
    const producer = transport.createProducer();
    t.teardown(() => producer.disconnect());
    await producer.send(range(0, 20).map((n) => message(topic, 'k', `value-${n}`)));
    await eventually(() => {
      if (worker.records.length < 20) throw new Error(`received ${worker.records.length} of 20 records`);
    });
    await sleep(200);
    t.same(worker.records.map((record) => record.value), range(0, 20).map((n) => `value-${n}`));
  });
});

t.test('embedded: when the worker ends, the next member of the group gets what it had not reported handled', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic, group } = uniqueNames();
  await broker.ensureTopics([topic], 1);
  await broker.createProducer().send(range(0, 10).map((n) => message(topic, 'k', `value-${n}`)));

  const worker = await startTransportWorker(t, broker.transportDescriptor());
  await worker.call({ op: 'runBatches', consumer: 'a', groupId: group, topics: [topic], maxBatchSize: 4, settle: 'manual' });
  const [first] = await worker.waitForBatches(1);
  t.same(first!.offsets, [0, 1, 2, 3], 'the worker gets up to maxBatchSize records');
  await worker.call({ op: 'settle', batchId: first!.batchId });
  const [, second] = await worker.waitForBatches(2);
  t.same(second!.offsets, [4, 5, 6, 7]);
  await worker.call({ op: 'settle', batchId: second!.batchId, count: 1 });
  const [, , third] = await worker.waitForBatches(3);
  t.same(third!.offsets, [5, 6, 7, 8], 'after a partial count, the rest comes again');
  t.equal((await broker.consumerLag(group, [topic]))[0]!.committedOffset, '5', 'committed on the main thread');

  // The worker never answers for its third batch. A member joining now waits for it...
  const taken: RecordBatch[] = [];
  const next = broker.createConsumer({ groupId: group, topics: [topic] });
  t.teardown(() => next.stop());
  let joined = false;
  const joining = next
    .runBatches(async (batch) => {
      taken.push(batch);
    })
    .then(() => {
      joined = true;
    });
  await sleep(300);
  t.notOk(joined, 'the rebalance waits for the batch the worker holds');

  // ...until the worker is gone: its port closes, and its consumer leaves the group.
  await worker.worker.terminate();
  await joining;
  await eventually(() => {
    if (taken.flatMap((batch) => batch.records).length < 5) throw new Error('not taken over yet');
  });
  t.same(
    taken.flatMap((batch) => batch.records.map((record) => Number(record.offset))),
    range(5, 10),
    'the next member starts at the first record the worker had not reported handled',
  );
});

t.test('embedded: a worker\'s stop() commits what it handled and leaves its group; a closed broker refuses its calls', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic, group } = uniqueNames();
  await broker.ensureTopics([topic], 2);
  const worker = await startTransportWorker(t, broker.transportDescriptor());
  await worker.call({ op: 'send', messages: range(0, 8).map((n) => message(topic, `key-${n}`, `first-${n}`)) });
  await worker.call({ op: 'runBatches', consumer: 'a', groupId: group, topics: [topic], settle: 'auto' });
  await eventually(() => {
    if (worker.batches.flatMap((batch) => batch.offsets).length < 8) throw new Error('not everything yet');
  });
  await worker.call({ op: 'stop', consumer: 'a' });
  t.same((await broker.consumerLag(group, [topic])).map((lag) => lag.lag), [0, 0], 'all committed at stop()');

  await broker.createProducer().send(range(0, 4).map((n) => message(topic, `key-${n}`, `second-${n}`)));
  const values: string[] = [];
  const next = broker.createConsumer({ groupId: group, topics: [topic] });
  await next.run(async (record) => {
    values.push(record.value);
  });
  await eventually(() => {
    if (values.length < 4) throw new Error('not delivered yet');
  });
  await sleep(100);
  t.same(values.sort(), ['second-0', 'second-1', 'second-2', 'second-3'], 'the next member reads only what came after');
  t.equal(worker.batches.flatMap((batch) => batch.values).filter((value) => value.startsWith('second')).length, 0, 'the stopped worker got none of it');

  await broker.close();
  await t.rejects(worker.call({ op: 'ensureTopics', topics: [topic], partitions: 1 }), { code: 'ERR_TRANSPORT_CLOSED' });
});

t.test('embedded: a rebalance waits for the record a worker\'s run() handler holds, not for the rest of its batch', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic, group } = uniqueNames();
  await broker.ensureTopics([topic], 1);
  await broker.createProducer().send(range(0, 30).map((n) => message(topic, 'k', `value-${n}`)));

  const worker = await startTransportWorker(t, broker.transportDescriptor());
  await worker.call({ op: 'run', consumer: 'a', groupId: group, topics: [topic], recordDelayMs: 100 });
  await eventually(() => {
    if (worker.records.length === 0) throw new Error('no record yet');
  });
  const offsets: number[] = [];
  const next = broker.createConsumer({ groupId: group, topics: [topic] });
  t.teardown(() => next.stop());
  const startedAt = Date.now();
  await next.run(async (record) => {
    offsets.push(Number(record.offset));
  });
  t.ok(Date.now() - startedAt < 1000, `joined in ${Date.now() - startedAt} ms, not after the worker's whole batch (3 s)`);
  await eventually(() => {
    if (worker.records.length + offsets.length < 30) throw new Error('not everything handled yet');
  });
  await sleep(300);
  t.same(
    [...worker.records.map((record) => record.offset), ...offsets],
    range(0, 30),
    'every record handled once: the worker\'s first ones, then the new member from where it stopped',
  );
});

t.test('embedded: a worker whose transport is idle ends by itself', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const { topic, group } = uniqueNames();
  const descriptor = broker.transportDescriptor();
  const worker = new Worker(new URL('./fixtures/idle-transport-worker.mjs', import.meta.url), {
    workerData: { descriptor, topic, group },
    transferList: descriptorTransferList(descriptor),
  });
  t.teardown(() => worker.terminate());
  const [result] = (await once(worker, 'message')) as [{ value: string; lag: number }];
  t.same(result, { value: 'from the worker', lag: 0 }, 'the worker sent, consumed and committed through its port');
  const exit = once(worker, 'exit') as Promise<[number]>;
  const timeout = sleep(5000).then(() => 'still running');
  const outcome = await Promise.race([exit, timeout]);
  t.same(outcome, [0], 'the worker exited with code 0 once it had nothing left to do');
});
