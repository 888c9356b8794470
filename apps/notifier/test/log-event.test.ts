import { randomUUID } from 'node:crypto';
import { createEventLog, isTransientEventLogError, type EventLog } from '@herald/event-log';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, topicName, topicNames, topics, type HeraldEvent } from '@herald/event-schemas';
import { createEmbeddedBroker, type DeliveredRecord } from '@herald/event-transport';
import t, { type Test } from 'tap';
import { logEvent, notifierConsumer, startNotifier } from '../src/index.js';
import {
  collect,
  dynamoClient,
  dynamoEndpoint,
  eventually,
  faultyProxy,
  freshStores,
  productCreated,
  productDeleted,
  uniqueTable,
} from './helpers.js';

const HOUR = 3_600_000;
const noop = () => {};
const silent = { debug: noop, info: noop, warn: noop, error: noop };

async function itemCount(eventLog: EventLog): Promise<number> {
  return (await collect(eventLog.olderThan(new Date(Date.now() + HOUR)))).flat().length;
}

function handlerContext(signal = new AbortController().signal) {
  const record: DeliveredRecord = { topic: 'herald.products', partition: 0, offset: '0', key: null, value: '', headers: {}, timestamp: Date.now() };
  return { record, attempt: 1, log: silent, signal };
}

/** An event log reached through a proxy that can play DynamoDB outages. */
async function eventLogBehindProxy(t: Test) {
  const endpoint = await dynamoEndpoint(t);
  const proxy = await faultyProxy(t, endpoint);
  const eventLog = createEventLog({ client: dynamoClient(t, proxy.endpoint), tableName: uniqueTable(), retentionSeconds: 3600 });
  await eventLog.ensureTable();
  return { eventLog, proxy };
}

t.test('the same event delivered twice is logged once', async (t) => {
  const { eventLog } = await freshStores(t);
  const event = productCreated();
  t.equal(await logEvent(event, { eventLog }), 'written');
  t.equal(await logEvent(event, { eventLog }), 'duplicate');
  const consumer = notifierConsumer({ eventLog });
  await consumer.handle(event, handlerContext());
  t.equal(await itemCount(eventLog), 1, 'one item for the event');
  t.same((await eventLog.get(event.id))?.event, event);
});

t.test('the notifier consumer is named notifier, reads every topic and logs through the handler', async (t) => {
  const { eventLog } = await freshStores(t);
  const consumer = notifierConsumer({ eventLog });
  t.equal(consumer.name, 'notifier');
  t.same(consumer.topics, Object.keys(topics), 'every topic of the contract');
  t.equal(consumer.isTransient, isTransientEventLogError);
  t.equal(consumer.eventTypes, undefined, 'every event type');
  const event = productDeleted();
  await consumer.handle(event, handlerContext());
  t.same((await eventLog.get(event.id))?.event, event);
});

t.test('with DynamoDB down, the handler fails with a transient error; once it is back the retry logs the event once', async (t) => {
  const { eventLog, proxy } = await eventLogBehindProxy(t);
  const consumer = notifierConsumer({ eventLog });
  const event = productCreated();
  await proxy.down();
  const error = await consumer.handle(event, handlerContext()).then(() => undefined, (e: unknown) => e);
  t.ok(error, 'the handler rejects while DynamoDB is unreachable');
  t.equal(consumer.isTransient!(error), true, 'and the runtime is told it is transient (pause and retry, never dead-letter)');
  await proxy.up();
  await consumer.handle(event, handlerContext());
  await consumer.handle(event, handlerContext());
  t.equal(await itemCount(eventLog), 1, 'nothing is written twice');
});

t.test('a write whose answer is lost: the handler error is transient and the retry writes nothing more', async (t) => {
  const { eventLog, proxy } = await eventLogBehindProxy(t);
  const consumer = notifierConsumer({ eventLog });
  const event = productCreated();
  proxy.dropResponses();
  const error = await consumer.handle(event, handlerContext()).then(() => undefined, (e: unknown) => e);
  t.ok(error, 'the handler rejects: it cannot know the write happened');
  t.equal(consumer.isTransient!(error), true);
  await proxy.up();
  t.same((await eventLog.get(event.id))?.event, event, 'the write had in fact happened');
  t.equal(await logEvent(event, { eventLog }), 'duplicate', 'the retry finds it');
  t.equal(await itemCount(eventLog), 1);
});

t.test('an aborted handler (the consumer is stopping) rejects with a transient error', async (t) => {
  const { eventLog } = await freshStores(t);
  const controller = new AbortController();
  controller.abort();
  const consumer = notifierConsumer({ eventLog });
  const error = await consumer.handle(productCreated(), handlerContext(controller.signal)).then(() => undefined, (e: unknown) => e);
  t.ok(error);
  t.equal(consumer.isTransient!(error), true);
});

t.test('every event published is logged exactly once by the running notifier, across a DynamoDB outage', async (t) => {
  const { eventLog, proxy } = await eventLogBehindProxy(t);
  const { s3, bucket } = await freshStores(t);
  const transport = createEmbeddedBroker({});
  t.teardown(() => transport.close());
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const topic = topicName('products', prefix);
  // The notifier reads every topic of the contract: they must all exist.
  await transport.ensureTopics(topicNames(prefix), 3);
  const producer = transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const publish = (events: HeraldEvent[]) =>
    producer.send(
      events.map((event) => ({
        topic,
        key: event.subject,
        value: JSON.stringify(event),
        headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE },
      })),
    );

  const notifier = await startNotifier({
    transport,
    eventLog,
    s3,
    config: {
      topicPrefix: prefix,
      startup: { attempts: 2, initialDelayMs: 10 },
      archive: { bucket, intervalMs: 60_000, batchSize: 100 },
      eventLog: { table: eventLog.tableName, retentionSeconds: 3600, ttlGraceSeconds: 0 },
    },
    archive: false,
    runtime: { initialBackoffMs: 10, maxBackoffMs: 100 },
  });
  t.teardown(() => notifier.stop());
  t.match(notifier.group, /notifier$/);

  const first = Array.from({ length: 10 }, () => productCreated());
  await publish(first);
  await eventually(async () => {
    if ((await itemCount(eventLog)) !== 10) throw new Error('not all logged yet');
  });

  await proxy.down();
  const second = Array.from({ length: 10 }, (_, i) => (i % 2 ? productDeleted() : productCreated()));
  await publish(second);
  await eventually(() => {
    if (notifier.stats().retries < 2) throw new Error('no retries yet');
  });
  t.equal(notifier.stats().deadLettered, 0, 'nothing is dead-lettered while DynamoDB is down');

  await proxy.up();
  await eventually(async () => {
    if ((await itemCount(eventLog)) !== 20) throw new Error('not all logged yet');
  });
  // A redelivery of everything (e.g. a consumer group reset) changes nothing.
  await publish([...first, ...second]);
  await eventually(() => {
    if (notifier.stats().handled + notifier.stats().duplicatesSkipped < 40) throw new Error('not all handled yet');
  });
  t.equal(await itemCount(eventLog), 20, 'each event logged exactly once');
  for (const event of [...first, ...second]) t.same((await eventLog.get(event.id))?.event, event);
  t.equal(notifier.stats().deadLettered, 0);
  const { batches, handled } = notifier.stats();
  t.ok(batches > 0 && batches < handled, `logged in batches (${handled} events in ${batches} batches)`);
  await notifier.stop();
});
