import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, topicName, type HeraldEvent } from '@herald/event-schemas';
import { createEmbeddedBroker, type EventProducer } from '@herald/event-transport';
import pg from 'pg';
import { createAnalyticsQueries, startAnalytics } from '../src/index.js';
import { foldEventCounts, foldInventory } from './helpers/expected-figures.js';
import { generateHistory } from './helpers/event-history.js';
import { foldPostStats, generatePostHistory } from './helpers/post-history.js';
import { migratedDatabase } from './helpers/test-database.js';

/** Resolves once `check` stops throwing; rethrows its last error after `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** Every post's figures as the API would read them, by post id. */
async function allPostStats(pool: pg.Pool) {
  const queries = createAnalyticsQueries(pool);
  const { rows } = await pool.query<{ post_id: string }>('SELECT post_id FROM analytics.post_stats ORDER BY post_id');
  const figures = new Map<string, { word_count: number; avg_word_length: number; char_count: number; post_version: number }>();
  for (const { post_id: id } of rows) {
    const { word_count, avg_word_length, char_count, post_version } = (await queries.postStats(id))!;
    figures.set(id, { word_count, avg_word_length, char_count, post_version });
  }
  return figures;
}

function publish(producer: EventProducer, topic: string, events: readonly HeraldEvent[]): Promise<void> {
  return producer.send(
    events.map((event) => ({
      topic,
      key: event.subject,
      value: JSON.stringify(event),
      headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE },
    })),
  );
}

t.test('through startConsumer and the embedded broker, the figures follow the published events', async (t) => {
  const { pool } = await migratedDatabase(t);
  const queries = createAnalyticsQueries(pool);
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const prefix = `test-${randomUUID().slice(0, 8)}.`;
  const topic = topicName('products', prefix);
  const postsTopic = topicName('posts', prefix);
  await broker.ensureTopics([topic, postsTopic], 3);
  const producer = broker.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());

  const events = generateHistory({ seed: 31, writes: 150, start: new Date('2025-03-01T10:00:00.000Z') });
  const postEvents = generatePostHistory({ seed: 31, writes: 120, start: new Date('2025-03-01T10:00:00.000Z') });
  const half = Math.floor(events.length / 2);
  const postHalf = Math.floor(postEvents.length / 2);
  await publish(producer, topic, events.slice(0, half));
  await publish(producer, postsTopic, postEvents.slice(0, postHalf));

  const first = await startAnalytics({ transport: broker, pool, prefix });
  t.equal(first.group, `${prefix}analytics`, 'its own consumer group, under the deployment prefix');
  await publish(producer, topic, events.slice(half));
  await publish(producer, postsTopic, postEvents.slice(postHalf));
  const expected = foldInventory(events);
  const expectedPostStats = foldPostStats(postEvents);
  await eventually(async () => {
    if (!isDeepStrictEqual(await queries.inventory(), expected)) throw new Error('the figures do not match the fold yet');
    if (!isDeepStrictEqual(await allPostStats(pool), expectedPostStats)) throw new Error('the post statistics do not match the fold yet');
  });
  t.pass('every event applied: the figures equal the fold of the published history');
  t.ok(expectedPostStats.size > 5, `post statistics of ${expectedPostStats.size} posts, each what the pure function says of its content`);
  await first.stop();
  t.equal(first.stats().deadLettered, 0, 'nothing dead-lettered');
  const { batches, handled } = first.stats();
  t.ok(batches > 0 && batches < handled, `applied in batches (${handled} events in ${batches} transactions)`);

  // A new process (empty duplicate memory in the runtime) gets the whole history published again.
  const second = await startAnalytics({ transport: broker, pool, prefix });
  t.teardown(() => second.stop());
  const postStatsBefore = await pool.query('SELECT * FROM analytics.post_stats ORDER BY post_id');
  await publish(producer, topic, events);
  await publish(producer, postsTopic, postEvents);
  await eventually(async () => {
    const lag = await broker.consumerLag(second.group, [topic, postsTopic]);
    if (lag.some((partition) => partition.lag > 0)) throw new Error('the group has not caught up yet');
  });
  t.ok(second.stats().handled >= events.length + postEvents.length, 'the copies reached the handler (the runtime did not filter them)');
  t.strictSame(await queries.inventory(), expected, 'the republished history changed nothing');
  t.strictSame((await pool.query('SELECT * FROM analytics.post_stats ORDER BY post_id')).rows, postStatsBefore.rows, 'nor any post statistics row');
  const everything = [...events, ...postEvents];
  const last = Math.max(...everything.map((event) => Date.parse(event.time)));
  const rates = await createAnalyticsQueries(pool, { now: () => new Date(last) }).eventRates({ minutes: 60 });
  const counts = foldEventCounts(everything);
  t.equal(rates.series.reduce((sum, point) => sum + point.count, 0), everything.length, 'each event counted once');
  t.ok(rates.series.every((point) => point.count === (counts.get(`${point.minute}|${point.type}`) ?? 0)), 'per minute and type');
});

t.test('while PostgreSQL refuses connections, events wait and are never dead-lettered', async (t) => {
  const { url, pool: admin } = await migratedDatabase(t);
  const queries = createAnalyticsQueries(admin);
  // Connection limits do not apply to superusers: the consumer connects as an ordinary role.
  const role = `analytics_app_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'app'`);
  await admin.query(`GRANT USAGE ON SCHEMA analytics TO ${role}`);
  await admin.query(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA analytics TO ${role}`);
  const appUrl = new URL(url);
  appUrl.username = role;
  appUrl.password = 'app';
  const appPool = new pg.Pool({ connectionString: appUrl.toString(), max: 2, connectionTimeoutMillis: 2_000 });
  appPool.on('error', () => {}); // idle connections terminated below
  t.teardown(async () => {
    await appPool.end();
    await admin.query(`DROP OWNED BY ${role}`).catch(() => {});
    const server = new pg.Client({ connectionString: process.env.HERALD_TEST_DATABASE_URL });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    await server.end();
  });

  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const prefix = `test-${randomUUID().slice(0, 8)}.`;
  const topic = topicName('products', prefix);
  await broker.ensureTopics([topic, topicName('posts', prefix)], 2);
  const producer = broker.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  // maxAttempts 1: a failure classified as not transient would be dead-lettered at once.
  const analytics = await startAnalytics({
    transport: broker,
    pool: appPool,
    prefix,
    runtime: { maxAttempts: 1, initialBackoffMs: 20, maxBackoffMs: 200 },
  });
  t.teardown(() => analytics.stop());

  const events = generateHistory({ seed: 32, writes: 40, start: new Date('2025-03-01T10:00:00.000Z') });
  await publish(producer, topic, events.slice(0, 10));
  await eventually(async () => {
    if (!isDeepStrictEqual(await queries.inventory(), foldInventory(events.slice(0, 10)))) throw new Error('not yet');
  });

  await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
  await publish(producer, topic, events.slice(10));
  await eventually(async () => {
    if (analytics.stats().retries < 3) throw new Error('no retries yet');
  });
  t.match(analytics.stats().lastError, /too many connections|terminat/i, 'the handler failed on the database');
  t.same(await queries.inventory(), foldInventory(events.slice(0, 10)), 'nothing more applied during the outage');

  await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
  await eventually(async () => {
    if (!isDeepStrictEqual(await queries.inventory(), foldInventory(events))) throw new Error('not caught up yet');
  });
  t.pass('after the outage every event was applied');
  t.equal(analytics.stats().deadLettered, 0, 'nothing dead-lettered');
});
