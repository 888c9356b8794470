import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BatchContext } from '@herald/consumer-runtime';
import { createEventLog } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord } from '@herald/event-transport';
import t from 'tap';
import { loggedAtOf } from '../src/handlers/log-events.js';
import { notifierConsumer } from '../src/index.js';
import { dynamoClient, dynamoEndpoint, faultyProxy, freshStores, productCreated, productDeleted, uniqueTable } from './helpers.js';

type Item = Record<string, AttributeValue>;
const noop = () => {};
const silent = { debug: noop, info: noop, warn: noop, error: noop };

/** Every item of the table, sorted by id, exactly as stored. */
async function tableItems(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items.sort((a, b) => (a.id!.S! < b.id!.S! ? -1 : 1));
}

/** Records of one partition as the broker would deliver them: consecutive offsets, `timestamps[i]` for event i. */
function partitionRecords(partition: number, events: readonly HeraldEvent[], timestamps: readonly number[], firstOffset = 0): DeliveredRecord[] {
  return events.map((event, index) => ({
    topic: 'herald.products',
    partition,
    offset: String(firstOffset + index),
    key: event.subject ?? null,
    value: JSON.stringify(event),
    headers: {},
    timestamp: timestamps[index]!,
  }));
}

function batchContext(records: DeliveredRecord[], signal = new AbortController().signal): BatchContext {
  return { topic: records[0]!.topic, partition: records[0]!.partition, records, attempt: 1, log: silent, signal };
}

t.test('a redelivered batch, and a batch overlapping it, leave exactly one item per event with the same attributes', async (t) => {
  const { eventLog, client } = await freshStores(t);
  const consumer = notifierConsumer({ eventLog });
  const published = Date.now() - 5_000;
  const events = Array.from({ length: 60 }, (_, i) => (i % 4 ? productCreated() : productDeleted()));
  const records = partitionRecords(0, events, events.map((_, i) => published + i * 3));

  await consumer.handleBatch!(events.slice(0, 40), batchContext(records.slice(0, 40)));
  const logged = await tableItems(client, eventLog.tableName);
  t.equal(logged.length, 40, 'one item per event');
  t.same(
    logged.map((item) => item.logged_at!.N),
    events
      .slice(0, 40)
      .map((event, i) => ({ id: event.id, at: String(records[i]!.timestamp) }))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((entry) => entry.at),
    "each logged at its record's broker timestamp",
  );

  // Later, the same batch again (a redelivery after a lost commit): nothing about any item changes.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await consumer.handleBatch!(events.slice(0, 40), batchContext(records.slice(0, 40)));
  t.same(await tableItems(client, eventLog.tableName), logged, 'the redelivered batch rewrote identical items');

  // A batch overlapping the first one (redelivered from offset 25 on, with new records behind).
  await consumer.handleBatch!(events.slice(25), batchContext(records.slice(25)));
  const after = await tableItems(client, eventLog.tableName);
  t.equal(after.length, 60, 'one item per event, no more');
  t.same(
    after.filter((item) => logged.some((before) => before.id!.S === item.id!.S)),
    logged,
    'the events of the overlap kept every attribute',
  );

  // The single-event path (the runtime's fallback) writes the same item for the same record.
  const alone = productCreated();
  const [aloneRecord] = partitionRecords(0, [alone], [published + 500], 60);
  await consumer.handle(alone, { record: aloneRecord!, attempt: 1, log: silent, signal: new AbortController().signal });
  const single = (await tableItems(client, eventLog.tableName)).find((item) => item.id!.S === alone.id);
  await consumer.handleBatch!([alone], batchContext([aloneRecord!]));
  t.same(
    (await tableItems(client, eventLog.tableName)).find((item) => item.id!.S === alone.id),
    single,
    'an event logged alone and then again in a batch keeps its item',
  );
});

t.test('resuming after an event returns the events logged after it, in order, however their batches were written', async (t) => {
  const { eventLog } = await freshStores(t);
  const consumer = notifierConsumer({ eventLog });
  const start = Date.now() - 10_000;
  // Two partitions published side by side; in partition 0, records three at a time share a
  // millisecond, and their time-ordered ids break the tie (sorted here: the API's UUIDv7 ids
  // increase within a millisecond, the fixtures' do not).
  const byId = (a: HeraldEvent, b: HeraldEvent) => (a.id < b.id ? -1 : 1);
  const p0 = Array.from({ length: 30 }, () => productCreated()).sort(byId);
  const p1 = Array.from({ length: 30 }, () => productCreated()).sort(byId);
  const p0Times = p0.map((_, i) => start + Math.floor(i / 3) * 10);
  const p1Times = p1.map((_, i) => start + 5 + i * 4);
  const p0Records = partitionRecords(0, p0, p0Times);
  const p1Records = partitionRecords(1, p1, p1Times);

  // Written out of order: partition 1 before 0, the second half of 0 before its first half
  // (another notifier instance after a rebalance), and part of partition 1 twice.
  await consumer.handleBatch!(p1, batchContext(p1Records));
  await consumer.handleBatch!(p0.slice(15), batchContext(p0Records.slice(15)));
  await consumer.handleBatch!(p0.slice(0, 15), batchContext(p0Records.slice(0, 15)));
  await consumer.handleBatch!(p1.slice(10, 20), batchContext(p1Records.slice(10, 20)));

  const published = [...p0Records, ...p1Records]
    .map((record) => ({ id: (JSON.parse(record.value) as HeraldEvent).id, at: record.timestamp }))
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
    .map((entry) => entry.id);
  const ids = (logged: { event: HeraldEvent }[] | undefined) => logged?.map((entry) => entry.event.id);

  t.same(ids(await eventLog.after(published[0]!)), published.slice(1), 'everything after the first, in broker order');
  for (const k of [7, 8, 29, 41]) {
    t.same(ids(await eventLog.after(published[k]!)), published.slice(k + 1), `after the event at ${k}: the rest, in order, once each`);
  }
  const after = ids(await eventLog.after(p0[4]!.id))!;
  const p0Order = p0.map((event) => event.id).filter((id) => after.includes(id));
  t.same(p0Order, p0.slice(5).map((event) => event.id), "a partition's events come back in offset order");
  t.same(ids(await eventLog.after(published.at(-1)!)), [], 'nothing after the newest');
  t.same((await eventLog.get(p0[3]!.id))?.loggedAt, new Date(p0Times[3]!), 'loggedAt is the broker timestamp');
});

t.test('a record without a usable timestamp is logged at the time of its event', async (t) => {
  const event = productCreated(new Date('2025-06-01T12:00:00.000Z'));
  t.same(loggedAtOf(event, { timestamp: -1 }), new Date('2025-06-01T12:00:00.000Z'));
  t.same(loggedAtOf(event, { timestamp: Number.NaN }), new Date('2025-06-01T12:00:00.000Z'));
  t.same(loggedAtOf(event, { timestamp: 1_750_000_000_123 }), new Date(1_750_000_000_123));
});

t.test('with DynamoDB down, the batch handler fails with a transient error; once it is back the batch is logged once', async (t) => {
  const endpoint = await dynamoEndpoint(t);
  const proxy = await faultyProxy(t, endpoint);
  const client = dynamoClient(t, proxy.endpoint);
  const eventLog = createEventLog({ client, tableName: uniqueTable(), retentionSeconds: 3600 });
  await eventLog.ensureTable();
  const consumer = notifierConsumer({ eventLog });
  const events = Array.from({ length: 30 }, () => productCreated());
  const records = partitionRecords(2, events, events.map((_, i) => Date.now() + i));

  await proxy.down();
  const error = await consumer.handleBatch!(events, batchContext(records)).then(() => undefined, (e: unknown) => e);
  t.ok(error, 'the batch handler rejects while DynamoDB is unreachable');
  t.equal(consumer.isTransient!(error), true, 'transient: the runtime retries the batch, never splits or dead-letters it');

  await proxy.up();
  proxy.dropResponses(); // the writes happen, their answers are lost
  const lost = await consumer.handleBatch!(events, batchContext(records)).then(() => undefined, (e: unknown) => e);
  t.equal(consumer.isTransient!(lost), true, 'a lost answer is transient too');
  await proxy.up();
  await consumer.handleBatch!(events, batchContext(records));
  const items = await tableItems(client, eventLog.tableName);
  t.equal(items.length, 30, 'each event logged once');
  for (const event of events) t.same((await eventLog.get(event.id))?.event, event);
});

t.test('a batch handler stopped by the consumer rejects with a transient error', async (t) => {
  const { eventLog } = await freshStores(t);
  const controller = new AbortController();
  controller.abort();
  const consumer = notifierConsumer({ eventLog });
  const event = productCreated();
  const error = await consumer
    .handleBatch!([event], batchContext(partitionRecords(0, [event], [Date.now()]), controller.signal))
    .then(() => undefined, (e: unknown) => e);
  t.ok(error);
  t.equal(consumer.isTransient!(error), true);
});
