import t from 'tap';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { createEmbeddedBroker } from '../src/index.js';
import { createCollector, message } from './helpers/eventually.js';
import { uniqueNames } from './helpers/transports.js';

async function dataDirFor(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-embedded-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('topics, records and committed offsets survive re-creating the broker from its dataDir', async (t) => {
  const dataDir = await dataDirFor(t);
  const { topic, group, otherGroup } = uniqueNames();

  const before = createEmbeddedBroker({ dataDir });
  await before.ensureTopics([topic], 3);
  await before.createProducer().send(Array.from({ length: 9 }, (_, n) => message(topic, `key-${n}`, `value-${n}`, { n: String(n) })));
  const handled = createCollector();
  const consumer = before.createConsumer({ groupId: group, topics: [topic] });
  await consumer.run(handled.handler);
  await handled.waitForCount(9);
  await consumer.stop();
  await before.close();

  const after = createEmbeddedBroker({ dataDir });
  t.teardown(() => after.close());
  const lag = await after.consumerLag(group, [topic]);
  t.equal(lag.length, 3, 'the topic still has 3 partitions');
  t.same(lag.map((entry) => entry.lag), [0, 0, 0], 'the group committed everything before the restart');

  await after.createProducer().send([message(topic, 'key-0', 'after-restart')]);
  const resumed = createCollector();
  const resumedConsumer = after.createConsumer({ groupId: group, topics: [topic] });
  t.teardown(() => resumedConsumer.stop());
  await resumedConsumer.run(resumed.handler);
  const [next] = await resumed.waitForCount(1);
  t.equal(next!.value, 'after-restart', 'the group resumes after its last handled record');
  const earlier = handled.records.filter((record) => record.key === 'key-0');
  t.equal(next!.partition, earlier[0]!.partition, 'the key still maps to the same partition');
  const partitionBefore = handled.records.filter((record) => record.partition === next!.partition);
  t.equal(Number(next!.offset), partitionBefore.length, 'offsets continue where they were');

  const replay = createCollector();
  const replayConsumer = after.createConsumer({ groupId: otherGroup, topics: [topic] });
  t.teardown(() => replayConsumer.stop());
  await replayConsumer.run(replay.handler);
  await replay.waitForCount(10);
  const fromDisk = replay.records.find((record) => record.value === 'value-4');
  const original = handled.records.find((record) => record.value === 'value-4');
  t.same(fromDisk, original, 'a record read back from disk equals the one delivered before the restart');
});

t.test('a torn last line (crash in the middle of a write) is dropped, and appends continue cleanly', async (t) => {
  const dataDir = await dataDirFor(t);
  const { topic, group } = uniqueNames();
  const first = createEmbeddedBroker({ dataDir });
  await first.ensureTopics([topic], 1);
  await first.createProducer().send([message(topic, 'k', 'stored-0'), message(topic, 'k', 'stored-1')]);
  await first.close();
  const file = join(dataDir, 'topics', topic, '0.ndjson');
  await appendFile(file, '{"offset":2,"timestamp":1,"key":"k","val');

  const second = createEmbeddedBroker({ dataDir });
  t.teardown(() => second.close());
  await second.createProducer().send([message(topic, 'k', 'stored-2')]);
  const collector = createCollector();
  const consumer = second.createConsumer({ groupId: group, topics: [topic] });
  t.teardown(() => consumer.stop());
  await consumer.run(collector.handler);
  await collector.waitForCount(3);
  t.same(collector.records.map((record) => [record.offset, record.value]), [
    ['0', 'stored-0'],
    ['1', 'stored-1'],
    ['2', 'stored-2'],
  ]);
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  t.equal(lines.length, 3, 'the file holds three whole records');
});

t.test('a damaged record in the middle of a log is reported, not skipped', async (t) => {
  const dataDir = await dataDirFor(t);
  const { topic, group } = uniqueNames();
  const first = createEmbeddedBroker({ dataDir });
  await first.ensureTopics([topic], 1);
  await first.close();
  await appendFile(join(dataDir, 'topics', topic, '0.ndjson'), 'garbage\n{"offset":1}\n');

  const second = createEmbeddedBroker({ dataDir });
  await t.rejects(second.consumerLag(group, [topic]), { code: 'ERR_TRANSPORT_STORAGE_FAILED' });
  await second.close();
});

t.test('without a dataDir nothing is written and a new broker starts empty', async (t) => {
  const { topic, group } = uniqueNames();
  const first = createEmbeddedBroker();
  await first.ensureTopics([topic], 1);
  await first.close();
  const second = createEmbeddedBroker();
  t.teardown(() => second.close());
  await t.rejects(second.consumerLag(group, [topic]), { code: 'ERR_TRANSPORT_UNKNOWN_TOPIC' });
});

t.test('a second open broker on the same dataDir is refused until the first is closed', async (t) => {
  const dataDir = await dataDirFor(t);
  const first = createEmbeddedBroker({ dataDir });
  t.throws(() => createEmbeddedBroker({ dataDir }), { code: 'ERR_TRANSPORT_STORAGE_FAILED' });
  await first.close();
  const second = createEmbeddedBroker({ dataDir });
  await second.close();
  t.pass('after close() the directory can be opened again');
});
