import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { compareEvents } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';
import {
  createEmbeddedBroker,
  createKafkaTransport,
  type DeliveredRecord,
  type EventTransport,
} from '@herald/event-transport';
import t from 'tap';
import { createArchiveStore, createArchiver, eventHour, replayEvents } from '../src/index.js';
import { runReplayCommand } from '../src/replay/command.js';
import { REPLAYED_HEADER, publishEvents } from '../src/replay/publish.js';
import { collect, eventually, freshStores, productCreated, productDeleted, type Stores } from './helpers.js';

const HOUR = 3_600_000;
const base = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;

/**
 * 24 events over four event-time hours; the first 16 logged long ago (they will be archived), the
 * rest just now (they stay in the log). Some share a time, so the id decides their order.
 */
async function logScenario(stores: Stores): Promise<HeraldEvent[]> {
  const events: HeraldEvent[] = [];
  for (let i = 0; i < 24; i++) {
    const time = new Date(base + Math.floor(i / 2) * 20 * 60_000 + (i % 3) * 1000);
    events.push(i % 4 === 3 ? productDeleted(time) : productCreated(time));
  }
  // Logged in an order unrelated to event time, as with several partitions.
  const shuffled = [...events].sort((a, b) => (a.id.slice(-6) < b.id.slice(-6) ? -1 : 1));
  for (const event of shuffled) {
    const old = events.indexOf(event) < 16;
    await stores.eventLog.append(event, new Date(Date.now() - (old ? 120_000 : 0)));
  }
  return events;
}

t.test('replay returns exactly the events published, in (time, id) order, from the archive and the log together', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: 30 });
  const events = await logScenario(stores);
  const archive = await createArchiver({ eventLog: stores.eventLog, s3: stores.s3, bucket: stores.bucket, retentionSeconds: 30 }).runOnce();
  t.equal(archive.archived, 16, 'part of them were archived');

  // An event in both places (a pass that died before removing it) is replayed once.
  const inBoth = events[20]!;
  await createArchiveStore(stores.s3, stores.bucket).write(eventHour(inBoth), [inBoth]);

  const expected = [...events].sort(compareEvents);
  const replayed = await collect(replayEvents({ ...stores, from: new Date(base), to: new Date(base + 5 * HOUR) }));
  t.same(replayed.map((e) => e.id), expected.map((e) => e.id), 'every event once, in order');
  t.same(replayed, expected, 'as the CloudEvents that were logged');

  const from = new Date(base + 50 * 60_000);
  const to = new Date(base + 170 * 60_000);
  const window = await collect(replayEvents({ ...stores, from, to }));
  t.same(
    window.map((e) => e.id),
    expected.filter((e) => Date.parse(e.time) >= from.getTime() && Date.parse(e.time) < to.getTime()).map((e) => e.id),
    'a sub-range: from inclusive, to exclusive, across the archive/log seam',
  );
  const deleted = await collect(replayEvents({ ...stores, from: new Date(base), to: new Date(base + 5 * HOUR), type: 'ProductDeleted' }));
  t.same(deleted.map((e) => e.id), expected.filter((e) => e.type === 'ProductDeleted').map((e) => e.id), 'one type');
  t.same(await collect(replayEvents({ ...stores, from: new Date(base - 3 * HOUR), to: new Date(base) })), [], 'an empty range');
});

function commandIo(env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { io: { env, stdout, stderr }, output: () => ({ out, err }) };
}

function storeEnv(stores: Stores): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: stores.dynamoEndpoint,
    EVENT_LOG_TABLE: stores.tableName,
    S3_ENDPOINT: stores.s3Target.endpoint,
    S3_ACCESS_KEY: stores.s3Target.accessKey,
    S3_SECRET_KEY: stores.s3Target.secretKey,
    S3_BUCKET: stores.bucket,
    LOG_LEVEL: 'silent',
  };
}

t.test('the replay command prints the range as NDJSON', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: 30 });
  const events = await logScenario(stores);
  await createArchiver({ eventLog: stores.eventLog, s3: stores.s3, bucket: stores.bucket, retentionSeconds: 30 }).runOnce();

  const { io, output } = commandIo(storeEnv(stores));
  const code = await runReplayCommand(['--from', new Date(base).toISOString(), '--to', new Date(base + 5 * HOUR).toISOString()], io);
  const { out, err } = output();
  t.equal(code, 0, err);
  const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as HeraldEvent);
  t.same(lines, [...events].sort(compareEvents), 'one event per line, in order');
  t.match(err, /24 events of \[/);

  const typed = commandIo(storeEnv(stores));
  t.equal(
    await runReplayCommand(
      ['--from', new Date(base).toISOString(), '--to', new Date(base + 5 * HOUR).toISOString(), '--type', 'ProductDeleted'],
      typed.io,
    ),
    0,
  );
  t.equal(typed.output().out.trimEnd().split('\n').length, events.filter((e) => e.type === 'ProductDeleted').length);
});

t.test('the replay command explains what is wrong with its arguments and environment', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--to', '2025-01-01T00:00:00Z'], /--from is required/],
    [['--from', 'yesterday', '--to', '2025-01-01T00:00:00Z'], /not an ISO 8601 time/],
    [['--from', '2025-01-02T00:00:00Z', '--to', '2025-01-01T00:00:00Z'], /must be after --from/],
    [['--from', '2025-01-01T00:00:00Z', '--to', '2025-01-02T00:00:00Z', '--type', 'Nope'], /not an event type/],
    [['--from', '2025-01-01T00:00:00Z', '--to', '2025-01-02T00:00:00Z', '--bogus'], /Unknown option/],
  ];
  for (const [argv, message] of cases) {
    const { io, output } = commandIo({});
    t.equal(await runReplayCommand(argv, io), 2, argv.join(' '));
    t.match(output().err, message);
    t.match(output().err, /Usage: npm run replay/);
  }

  const { io, output } = commandIo({ LOG_LEVEL: 'silent' });
  t.equal(await runReplayCommand(['--from', '2025-01-01T00:00:00Z', '--to', '2025-01-02T00:00:00Z', '--publish', 'herald.replay'], io), 2);
  t.match(output().err, /--publish needs KAFKA_BROKERS/);
  t.match(output().err, /embedded broker, which lives inside the running API process/);

  const help = commandIo({});
  t.equal(await runReplayCommand(['--help'], help.io), 0);
  t.match(help.output().out, /--publish/);
});

/** Reads `count` records of `topic` from the beginning. */
async function readTopic(transport: EventTransport, topic: string, count: number): Promise<DeliveredRecord[]> {
  const records: DeliveredRecord[] = [];
  const consumer = transport.createConsumer({ groupId: `reader-${randomUUID()}`, topics: [topic], fromBeginning: true });
  await consumer.run(async (record) => {
    records.push(record);
  });
  try {
    await eventually(() => {
      if (records.length < count) throw new Error(`${records.length} of ${count} records`);
    }, { timeoutMs: 60_000 });
  } finally {
    await consumer.stop();
  }
  return records;
}

t.test('replayed events can be republished to a topic, keyed by subject, in order per key', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: 30 });
  const events = await logScenario(stores);
  await createArchiver({ eventLog: stores.eventLog, s3: stores.s3, bucket: stores.bucket, retentionSeconds: 30 }).runOnce();
  const transport = createEmbeddedBroker({});
  t.teardown(() => transport.close());
  const topic = `herald.replay.${randomUUID().slice(0, 8)}`;
  const sent = await publishEvents(replayEvents({ ...stores, from: new Date(base), to: new Date(base + 5 * HOUR) }), {
    transport,
    topic,
    partitions: 1,
    batchSize: 5,
  });
  t.equal(sent, events.length);
  const records = await readTopic(transport, topic, events.length);
  t.same(records.map((r) => JSON.parse(r.value) as HeraldEvent), [...events].sort(compareEvents), 'the events, in order');
  t.same(records.map((r) => r.key), [...events].sort(compareEvents).map((e) => e.subject), 'keyed by subject');
  t.equal(records[0]!.headers[REPLAYED_HEADER], 'true', 'marked as a replay');
});

t.test('the replay command publishes to Kafka with --publish', { skip: !process.env.KAFKA_BROKERS && 'needs KAFKA_BROKERS (the real-stack run)' }, async (t) => {
  const stores = await freshStores(t, { retentionSeconds: 30 });
  const events = await logScenario(stores);
  const topic = `herald.replay.${randomUUID().slice(0, 8)}`;
  const { io, output } = commandIo({ ...storeEnv(stores), KAFKA_BROKERS: process.env.KAFKA_BROKERS! });
  const code = await runReplayCommand(
    ['--from', new Date(base).toISOString(), '--to', new Date(base + 5 * HOUR).toISOString(), '--publish', topic],
    io,
  );
  t.equal(code, 0, output().err);
  t.match(output().err, new RegExp(`published 24 events of .* to ${topic.replace(/\./g, '\\.')}`));
  t.equal(output().out, '', 'nothing on stdout');
  const transport = createKafkaTransport({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'replay-test' });
  t.teardown(() => transport.close());
  const records = await readTopic(transport, topic, events.length);
  t.same(new Set(records.map((r) => (JSON.parse(r.value) as HeraldEvent).id)), new Set(events.map((e) => e.id)));
  // Per key (one partition per key), the order is the replay order.
  const expected = [...events].sort(compareEvents);
  for (const key of new Set(expected.map((e) => e.subject))) {
    t.same(
      records.filter((r) => r.key === key).map((r) => (JSON.parse(r.value) as HeraldEvent).id),
      expected.filter((e) => e.subject === key).map((e) => e.id),
    );
  }
});
