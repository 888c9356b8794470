import t from 'tap';
import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { analyticsConsumer, applyEvents, createAnalyticsQueries } from '../src/index.js';
import { foldEventCounts, foldInventory } from './helpers/expected-figures.js';
import { generateHistory, seededRandom, shuffled } from './helpers/event-history.js';
import { batchContext, handlerContext } from './helpers/handler-context.js';
import { migratedDatabase, truncateAnalytics } from './helpers/test-database.js';

const { pool } = await migratedDatabase(t);
const queries = createAnalyticsQueries(pool);
const consumer = analyticsConsumer({ pool });
const START = new Date('2025-03-01T09:58:30.000Z');
const PARTITIONS = 3;

/** The events of each partition, in order, as the relay would publish them keyed by product. */
function byPartition(events: readonly HeraldEvent[]): HeraldEvent[][] {
  const partitions: HeraldEvent[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const event of events) {
    const key = String(event.subject);
    let hash = 0;
    for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    partitions[hash % PARTITIONS]!.push(event);
  }
  return partitions;
}

interface Delivery {
  partition: number;
  firstOffset: number;
  events: HeraldEvent[];
}

/**
 * How a transport with at-least-once delivery might hand one partition over: batches of 1 to 60
 * records; now and then a batch delivered twice whole (its commit was lost), or the next batch
 * starting some records back (a restart after a partial commit), so batches overlap.
 */
function deliveriesOf(events: readonly HeraldEvent[], partition: number, random: () => number): Delivery[] {
  const deliveries: Delivery[] = [];
  let position = 0;
  while (position < events.length) {
    const size = 1 + Math.floor(random() * 60);
    const delivery = { partition, firstOffset: position, events: events.slice(position, position + size) };
    deliveries.push(delivery);
    const roll = random();
    if (roll < 0.15) deliveries.push(delivery);
    const back = roll > 0.7 ? Math.floor(random() * delivery.events.length) : 0;
    position += delivery.events.length - back;
  }
  return deliveries;
}

/** The partitions' deliveries interleaved at random, each partition's in its order. */
function interleaved(partitions: Delivery[][], random: () => number): Delivery[] {
  const queues = partitions.map((deliveries) => [...deliveries]);
  const out: Delivery[] = [];
  while (queues.some((queue) => queue.length > 0)) {
    const open = queues.filter((queue) => queue.length > 0);
    out.push(open[Math.floor(random() * open.length)]!.shift()!);
  }
  return out;
}

/** The read model's rows, without the inbox's processing times. */
async function rows() {
  const inventory = await pool.query('SELECT * FROM analytics.inventory ORDER BY product_id');
  const counts = await pool.query('SELECT minute, event_type, count::text FROM analytics.event_counts ORDER BY minute, event_type');
  const inbox = await pool.query('SELECT event_id, event_type, event_time FROM analytics.processed_events ORDER BY event_id');
  return { inventory: inventory.rows, counts: counts.rows, inbox: inbox.rows };
}

async function rates(events: readonly HeraldEvent[]) {
  const last = Math.max(...events.map((event) => Date.parse(event.time)));
  const series = (await createAnalyticsQueries(pool, { now: () => new Date(last) }).eventRates({ minutes: 1440 })).series;
  return new Map(series.map((point) => [`${point.minute}|${point.type}`, point.count]));
}

t.beforeEach(() => truncateAnalytics(pool));

t.test(
  'a history delivered in batches, with redelivered and overlapping batches, gives exactly the figures of its fold',
  async (t) => {
    for (const seed of [41, 42, 43]) {
      await truncateAnalytics(pool);
      const events = generateHistory({ seed, writes: 600, start: START });
      const random = seededRandom(seed * 7);
      const partitions = byPartition(events);
      const plan = interleaved(
        partitions.map((partition, index) => deliveriesOf(partition, index, random)),
        random,
      );
      const redelivered = plan.reduce((sum, delivery) => sum + delivery.events.length, 0) - events.length;
      t.ok(redelivered > 100, `seed ${seed}: ${plan.length} batches carry ${redelivered} records delivered before`);

      for (const delivery of plan) {
        await consumer.handleBatch!(delivery.events, batchContext(delivery.events, delivery.firstOffset, delivery.partition));
      }
      t.same(await queries.inventory(), foldInventory(events), `seed ${seed}: inventory figures equal the fold`);
      t.same(await rates(events), foldEventCounts(events), `seed ${seed}: every event counted once, per minute and type`);
      const { rows: inbox } = await pool.query('SELECT count(*)::int AS n FROM analytics.processed_events');
      t.equal(inbox[0].n, events.length, `seed ${seed}: one inbox row per event`);
    }
  },
);

t.test('batches leave the read model row for row as applying the events one at a time does', async (t) => {
  const history = generateHistory({ seed: 44, writes: 500, start: START });
  // In commit order, and in a random order where stale, duplicate-version and post-deletion
  // events of a product share batches.
  for (const [what, events] of [
    ['in commit order', history],
    ['in a random order', shuffled(history, 440)],
  ] as const) {
    await truncateAnalytics(pool);
    for (const [offset, event] of events.entries()) await consumer.handle(event, handlerContext(event, offset));
    const oneByOne = await rows();

    await truncateAnalytics(pool);
    const random = seededRandom(441);
    for (const delivery of interleaved(
      byPartition(events).map((partition, index) => deliveriesOf(partition, index, random)),
      random,
    )) {
      await consumer.handleBatch!(delivery.events, batchContext(delivery.events, delivery.firstOffset, delivery.partition));
    }
    t.same(await rows(), oneByOne, `${what}: same inventory rows (tombstones and versions included), counts and inbox`);
  }
});

t.test('within a batch, a product goes through creation, updates, adjustments and deletion in order', async (t) => {
  const history = generateHistory({ seed: 45, writes: 300, start: START });
  // The whole history as one batch per partition: many events per product in the same batch.
  for (const [partition, events] of byPartition(history).entries()) {
    const outcome = await applyEvents(pool, events);
    t.equal(outcome.applied.length, events.length, `partition ${partition}: every event applied`);
  }
  t.same(await queries.inventory(), foldInventory(history));
  const again = await applyEvents(pool, history);
  t.same(again, { applied: [], duplicates: history.length }, 'the whole history again applies nothing');
  t.same(await queries.inventory(), foldInventory(history));
});

t.test('an event twice in one batch is applied once', async (t) => {
  const events = generateHistory({ seed: 46, writes: 30, start: START });
  const outcome = await applyEvents(pool, [...events, events[3]!, events[0]!]);
  t.same(outcome.applied.map((event) => event.id), events.map((event) => event.id), 'each once, in the order given');
  t.equal(outcome.duplicates, 2);
  t.same(await rates(events), foldEventCounts(events));
});

t.test('concurrent batches sharing events apply each event once', async (t) => {
  const events = generateHistory({ seed: 47, writes: 200, start: START });
  const partitions = byPartition(events);
  // Two members of the group during a rebalance: both got the middle of each partition.
  await Promise.all(
    partitions.flatMap((partition) => {
      const third = Math.floor(partition.length / 3);
      return [applyEvents(pool, partition.slice(0, 2 * third)), applyEvents(pool, partition.slice(third))];
    }),
  );
  t.same(await queries.inventory(), foldInventory(events));
  t.same(await rates(events), foldEventCounts(events));
});

t.test('a batch whose transaction fails leaves no trace, and applies whole on its next delivery', async (t) => {
  const events = generateHistory({ seed: 48, writes: 50, start: START });
  await applyEvents(pool, events.slice(0, 20));
  const before = await rows();
  await pool.query(`
    CREATE FUNCTION analytics.test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure'; END $$;
    CREATE TRIGGER test_fail BEFORE INSERT ON analytics.event_counts FOR EACH ROW EXECUTE FUNCTION analytics.test_fail();
  `);
  t.teardown(() => pool.query('DROP FUNCTION IF EXISTS analytics.test_fail() CASCADE'));
  await t.rejects(consumer.handleBatch!(events.slice(10), batchContext(events.slice(10), 10)), /injected failure/);
  t.same(await rows(), before, 'nothing of the failed batch is there, not even its inbox rows');

  await pool.query('DROP FUNCTION analytics.test_fail() CASCADE');
  await consumer.handleBatch!(events.slice(10), batchContext(events.slice(10), 10));
  t.same(await queries.inventory(), foldInventory(events), 'applied on its next delivery');
  t.same(await rates(events), foldEventCounts(events));
});

t.test('two deletions of a product in one batch (a stale copy after the real one) keep the higher version', async (t) => {
  const [created] = generateHistory({ seed: 49, writes: 1, start: START });
  const product = (created as Extract<HeraldEvent, { type: 'ProductCreated' }>).data.product;
  const deletion = (version: number) =>
    createEvent({
      type: 'ProductDeleted',
      id: randomUUID(),
      subject: product.id,
      source: '/herald/api',
      data: { product_id: product.id, sku: product.sku, version, deleted_at: START.toISOString() },
    });
  const events = [created!, deletion(3), deletion(2)];
  for (const [offset, event] of events.entries()) await consumer.handle(event, handlerContext(event, offset));
  const oneByOne = await rows();
  await truncateAnalytics(pool);
  await consumer.handleBatch!(events, batchContext(events));
  t.same(await rows(), oneByOne);
  t.equal(oneByOne.inventory[0]?.deleted_version, 3);
});
