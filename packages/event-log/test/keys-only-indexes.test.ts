import { randomUUID } from 'node:crypto';
import { BatchGetItemCommand, CreateTableCommand, DescribeTableCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import t from 'tap';
import { EVENT_LOG_ERROR_CODES, createEventLog, type EventLog } from '../src/index.js';
import { ATTR, INDEX, hourBucket } from '../src/keys.js';
import { ATTRIBUTE_DEFINITIONS, INDEXES } from '../src/table.js';
import { collect, dynamoClient, freshEventLog, productCreated, productDeleted } from './helpers.js';

const HOUR = 3_600_000;
const ids = (items: { event: { id: string } }[]) => items.map((item) => item.event.id);

/** The same events, logged and read back the same way, whatever the table's indexes project. */
async function everyRead(eventLog: EventLog, now: number) {
  const plan = [
    { at: now - 2 * HOUR, event: productCreated(new Date(now - 3 * HOUR)) },
    { at: now - 2 * HOUR + 1, event: productDeleted(new Date(now - 3 * HOUR + 1)) },
    { at: now - 1000, event: productCreated(new Date(now - 2000)) },
  ];
  for (const { at, event } of plan) await eventLog.append(event, new Date(at));
  const from = new Date(now - 4 * HOUR);
  const to = new Date(now);
  return {
    plan: plan.map((p) => p.event),
    after: await eventLog.after(plan[0]!.event.id),
    byType: await eventLog.byType('ProductCreated'),
    range: await collect(eventLog.range({ from, to })),
    older: (await collect(eventLog.olderThan(new Date(now - HOUR), { since: from }))).flat(),
  };
}

t.test('the indexes hold keys only: an event body is stored once, and every read still returns whole events', async (t) => {
  const { eventLog, client } = await freshEventLog(t);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: eventLog.tableName }));
  t.same(
    Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType]).sort(),
    [
      ['by-log', 'KEYS_ONLY'],
      ['by-time', 'KEYS_ONLY'],
      ['by-type', 'KEYS_ONLY'],
    ],
  );
  const now = Date.now();
  const { plan, after, byType, range, older } = await everyRead(eventLog, now);
  const { Items } = await client.send(
    new QueryCommand({
      TableName: eventLog.tableName,
      IndexName: INDEX.byLog,
      KeyConditionExpression: '#pk = :bucket',
      ExpressionAttributeNames: { '#pk': ATTR.logBucket },
      ExpressionAttributeValues: { ':bucket': { S: hourBucket(now - 1000) } },
    }),
  );
  t.equal(Items?.[0]?.[ATTR.eventJson], undefined, 'an index item carries no body');
  t.same(after?.map((entry) => entry.event), plan.slice(1), 'after() returns the events themselves');
  t.same(ids(byType), [plan[0]!.id, plan[2]!.id]);
  t.same(range.map((entry) => entry.event), plan);
  t.same(older.map((entry) => entry.event), plan.slice(0, 2));
  t.same(after?.[1]?.loggedAt, new Date(now - 1000), 'with when each was logged');
});

t.test('a table made when the indexes projected whole items is read the same way', async (t) => {
  const { client } = await dynamoClient(t);
  const tableName = `herald-events-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
      KeySchema: [{ AttributeName: ATTR.id, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: INDEXES.map((index) => ({ ...index, Projection: { ProjectionType: 'ALL' } })),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const eventLog = createEventLog({ client, tableName, retentionSeconds: 3600 });
  const ensured = await eventLog.ensureTable();
  t.same(ensured.indexesAdded, [], 'its indexes are kept as they are');
  const { plan, after, byType, range, older } = await everyRead(eventLog, Date.now());
  t.same(after?.map((entry) => entry.event), plan.slice(1));
  t.same(ids(byType), [plan[0]!.id, plan[2]!.id]);
  t.same(range.map((entry) => entry.event), plan);
  t.same(older.map((entry) => entry.event), plan.slice(0, 2));
});

t.test('reads that span more than one fetch of bodies keep index order, and a limit stops them early', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const now = Date.now();
  const events = Array.from({ length: 230 }, (_, i) => productCreated(new Date(now - 10_000 + i)));
  await eventLog.appendBatch(events.map((event, i) => ({ event, loggedAt: new Date(now - 10_000 + i) })));
  const all = await eventLog.after(events[0]!.id);
  t.same(ids(all!), events.slice(1).map((e) => e.id), 'all 229 after the first, in log order');
  t.same(ids((await eventLog.after(events[0]!.id, { limit: 150 }))!), events.slice(1, 151).map((e) => e.id));
  t.same(ids(await eventLog.byType('ProductCreated')), events.map((e) => e.id), 'in event-time order');
});

t.test('bodies DynamoDB leaves unprocessed are fetched by a later request; ones it never serves fail as "unavailable"', async (t) => {
  const { eventLog, client } = await freshEventLog(t);
  const now = Date.now();
  const events = Array.from({ length: 40 }, (_, i) => productCreated(new Date(now - 1000 + i)));
  await eventLog.appendBatch(events.map((event, i) => ({ event, loggedAt: new Date(now - 1000 + i) })));
  const send = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
  /** The same table, its BatchGetItem answers shaped by `answer`. */
  const throttledLog = (answer: (input: BatchGetItemCommand['input'], request: number) => Promise<unknown>) => {
    let requests = 0;
    const throttled = new Proxy(client, {
      get: (target, property, receiver) =>
        property !== 'send'
          ? Reflect.get(target, property, receiver)
          : (command: unknown, options?: unknown) => (command instanceof BatchGetItemCommand ? answer(command.input, ++requests) : send(command, options)),
    }) as DynamoDBClient;
    return { log: createEventLog({ client: throttled, tableName: eventLog.tableName, retentionSeconds: 3600 }), requests: () => requests };
  };

  // The first request serves a third of the keys, as a throttled table would.
  const partly = throttledLog(async (input, request) => {
    const keys = input.RequestItems![eventLog.tableName]!.Keys!;
    if (request > 1) return send(new BatchGetItemCommand(input));
    const served = Math.ceil(keys.length / 3);
    const answered = (await send(new BatchGetItemCommand({ RequestItems: { [eventLog.tableName]: { ...input.RequestItems![eventLog.tableName]!, Keys: keys.slice(0, served) } } }))) as { Responses: unknown };
    return { ...answered, UnprocessedKeys: { [eventLog.tableName]: { Keys: keys.slice(served) } } };
  });
  t.same(ids((await partly.log.after(events[0]!.id))!), events.slice(1).map((e) => e.id), 'every event, in log order');
  t.equal(partly.requests(), 2);

  const never = throttledLog(async (input) => ({ Responses: {}, UnprocessedKeys: input.RequestItems }));
  const error = await never.log.after(events[0]!.id).then(() => undefined, (e: unknown) => e);
  t.match(error, { code: EVENT_LOG_ERROR_CODES.unavailable, message: /39 of 39 reads .* stayed unprocessed after 8 tries/ });
  t.equal(never.requests(), 8);
});
