import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { EVENT_LOG_ERROR_CODES, createEventLog, isTransientEventLogError, type EventLog } from '../src/index.js';
import { freshEventLog, productCreated, productDeleted } from './helpers.js';

type Item = Record<string, AttributeValue>;
type BatchWriteInput = ConstructorParameters<typeof BatchWriteItemCommand>[0];
type BatchWriteOutput = { UnprocessedItems?: BatchWriteInput['RequestItems'] };

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

/**
 * An event log on the same table whose BatchWriteItem requests go through `intercept`, which may
 * pass them on (`send`) or answer by itself.
 */
function interceptedEventLog(
  client: DynamoDBClient,
  tableName: string,
  intercept: (input: BatchWriteInput, send: (input: BatchWriteInput) => Promise<BatchWriteOutput>) => Promise<BatchWriteOutput>,
): EventLog {
  const send = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
  const intercepting = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, options?: unknown) =>
        command instanceof BatchWriteItemCommand
          ? intercept(command.input, (input) => send(new BatchWriteItemCommand(input), options) as Promise<BatchWriteOutput>)
          : send(command, options);
    },
  });
  return createEventLog({ client: intercepting, tableName, retentionSeconds: 3600 });
}

const entriesOf = (events: HeraldEvent[], loggedAt: (index: number) => Date) =>
  events.map((event, index) => ({ event, loggedAt: loggedAt(index) }));

t.test('a batch goes out in requests of at most 25 puts, a bounded number at a time, and every event reads back', async (t) => {
  const { eventLog, client } = await freshEventLog(t);
  let inFlight = 0;
  let mostInFlight = 0;
  const sizes: number[] = [];
  const counted = interceptedEventLog(client, eventLog.tableName, async (input, send) => {
    sizes.push(input.RequestItems![eventLog.tableName]!.length);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      return await send(input);
    } finally {
      inFlight -= 1;
    }
  });
  const base = Date.now();
  const events = Array.from({ length: 180 }, (_, i) => (i % 3 ? productCreated(new Date(base + i)) : productDeleted(new Date(base + i))));
  await counted.appendBatch(entriesOf(events, (i) => new Date(base + i)), { concurrency: 3 });

  t.same(sizes.sort((a, b) => b - a), [25, 25, 25, 25, 25, 25, 25, 5], '8 requests of at most 25 puts');
  t.ok(mostInFlight > 1 && mostInFlight <= 3, `up to 3 requests at a time (${mostInFlight} seen)`);
  for (const [i, event] of events.entries()) {
    const stored = await eventLog.get(event.id);
    t.same(stored, { event, loggedAt: new Date(base + i) }, `event ${i} as given`);
  }
});

t.test('writing a batch again, or a batch overlapping it, leaves one identical item per event', async (t) => {
  const { eventLog, client } = await freshEventLog(t);
  const at = Date.now() - 60_000;
  const events = Array.from({ length: 40 }, (_, i) => productCreated(new Date(at + i)));
  const entries = entriesOf(events, (i) => new Date(at + 1000 + i));
  await eventLog.appendBatch(entries.slice(0, 30));
  const first = await tableItems(client, eventLog.tableName);
  t.equal(first.length, 30);

  await eventLog.appendBatch(entries.slice(0, 30));
  t.same(await tableItems(client, eventLog.tableName), first, 'the same batch again changes no attribute of any item');

  await eventLog.appendBatch(entries.slice(20));
  const after = await tableItems(client, eventLog.tableName);
  t.equal(after.length, 40, 'the overlap adds only the new events');
  t.same(
    after.filter((item) => first.some((before) => before.id!.S === item.id!.S)),
    first,
    'and leaves the events it shares with the first batch as they were',
  );

  // The single-event path writes the same item for the same event and time.
  const single = productCreated(new Date(at + 50));
  t.equal(await eventLog.append(single, new Date(at + 2000)), 'written');
  const appended = (await tableItems(client, eventLog.tableName)).find((item) => item.id!.S === single.id);
  await eventLog.appendBatch([{ event: single, loggedAt: new Date(at + 2000) }]);
  t.same(
    (await tableItems(client, eventLog.tableName)).find((item) => item.id!.S === single.id),
    appended,
    'a batch put over an appended event leaves its item as it was',
  );
});

t.test('of two entries of one event in a batch, the first is written', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const event = productCreated();
  await eventLog.appendBatch([
    { event, loggedAt: new Date(1_700_000_000_000) },
    { event, loggedAt: new Date(1_700_000_009_000) },
  ]);
  t.same((await eventLog.get(event.id))?.loggedAt, new Date(1_700_000_000_000));
});

t.test('items DynamoDB leaves unprocessed are written by a later request', async (t) => {
  const { eventLog, client } = await freshEventLog(t);
  let requests = 0;
  // The first two requests of each chunk get half their items through, as a throttled table would.
  const throttled = interceptedEventLog(client, eventLog.tableName, async (input, send) => {
    requests += 1;
    const puts = input.RequestItems![eventLog.tableName]!;
    if (requests > 4 || puts.length === 1) return send(input);
    const half = Math.ceil(puts.length / 2);
    await send({ RequestItems: { [eventLog.tableName]: puts.slice(0, half) } });
    return { UnprocessedItems: { [eventLog.tableName]: puts.slice(half) } };
  });
  const events = Array.from({ length: 50 }, () => productCreated());
  await throttled.appendBatch(entriesOf(events, () => new Date()), { concurrency: 1 });
  t.ok(requests > 2, `${requests} requests for 2 chunks`);
  t.equal((await tableItems(client, eventLog.tableName)).length, 50, 'every event is in the log');
});

t.test('items that stay unprocessed fail the batch with a transient "unavailable" error', async (t) => {
  const { eventLog, client } = await freshEventLog(t);
  let requests = 0;
  const saturated = interceptedEventLog(client, eventLog.tableName, async (input) => {
    requests += 1;
    return { UnprocessedItems: input.RequestItems };
  });
  const error = await saturated.appendBatch(entriesOf([productCreated(), productCreated()], () => new Date())).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(error, { code: EVENT_LOG_ERROR_CODES.unavailable, message: /2 of 2 writes .* stayed unprocessed after 8 tries/ });
  t.equal(isTransientEventLogError(error), true, 'so a consumer waits and tries again rather than dropping the events');
  t.equal(requests, 8, 'after a bounded number of tries');
});

t.test('a batch whose signal is aborted stops with a transient error', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const controller = new AbortController();
  controller.abort();
  const event = productCreated();
  const error = await eventLog.appendBatch(entriesOf([event], () => new Date()), { signal: controller.signal }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error);
  t.equal(isTransientEventLogError(error), true);
  t.equal(await eventLog.get(event.id), undefined, 'nothing was written');
});
