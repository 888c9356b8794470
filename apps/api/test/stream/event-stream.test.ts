import { randomUUID } from 'node:crypto';
import { eventCatalog, eventTypes, isEventType } from '@herald/event-schemas';
import t from 'tap';
import { loadOpenApiDocument } from '../../src/openapi/spec.js';
import { eventually, readTopic, startTestHerald, validProduct, type TestHerald } from '../helpers/herald.js';
import { openSse, type SseMessage } from '../helpers/sse-client.js';

const streamUrl = (herald: TestHerald, query = '') => `${herald.url}/api/v1/events/stream${query}`;
/** The stream needs a signed-in user; the admin sees every event. */
const asAdmin = async (herald: TestHerald) => ({ authorization: `Bearer ${await herald.adminToken()}` });
const isProductEvent = (m: SseMessage) => Boolean(m.id) && isEventType(m.event) && eventCatalog[m.event].topic === 'products';
/** Product events only: the admin's stream also carries account events (the admin's own, at start-up). */
const productEvents = (messages: SseMessage[]) => messages.filter(isProductEvent);
/** What the stream said, account events left out. */
const productStream = (messages: SseMessage[]) => messages.filter((m) => !m.id || isProductEvent(m)).map((m) => m.event);
const ids = (messages: SseMessage[]) => productEvents(messages).map((m) => m.id!);

async function createProduct(herald: TestHerald, overrides: Record<string, unknown> = {}) {
  const response = await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct(overrides) });
  return response.json() as { id: string };
}

t.test('each message carries the event id, the event type and the CloudEvent as data', async (t) => {
  const herald = await startTestHerald(t, { SSE_HEARTBEAT_MS: '200' });
  const client = openSse(streamUrl(herald), await asAdmin(herald));
  t.teardown(() => client.close());
  const response = await client.response;
  t.match(response.headers['content-type'], /^text\/event-stream/);

  await eventually(async () => herald.eventHub.listenerCount() === 1);
  const product = await createProduct(herald, { stock: 1, low_stock_threshold: 5 });
  await client.waitFor((m) => ids(m).length >= 2);
  const [created, warning] = productEvents(client.messages);
  t.equal(created!.event, 'ProductCreated');
  t.equal(warning!.event, 'LowStockWarning');
  const data = JSON.parse(created!.data);
  t.equal(data.id, created!.id, 'id: is the event id');
  t.equal(data.subject, product.id);
  t.equal(data.specversion, '1.0');

  await eventually(async () => client.comments.includes('heartbeat'), 5_000);
  t.pass('heartbeat comments keep the connection alive');
});

t.test('types=... receives only the listed event types', async (t) => {
  const herald = await startTestHerald(t);
  const client = openSse(streamUrl(herald, '?types=LowStockWarning'), await asAdmin(herald));
  t.teardown(() => client.close());
  await eventually(async () => herald.eventHub.listenerCount() === 1);
  await createProduct(herald, { stock: 50 });
  const low = await createProduct(herald, { stock: 1 });
  await client.waitFor((m) => m.length >= 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(client.messages.map((m) => [m.event, JSON.parse(m.data).subject]), [['LowStockWarning', low.id]]);
});

t.test('an unknown type in the filter is a 400 naming the parameter', async (t) => {
  const herald = await startTestHerald(t);
  const response = await herald.request({ method: 'GET', url: '/api/v1/events/stream?types=ProductCreated,Nope' });
  t.equal(response.statusCode, 400);
  t.equal(response.json().errors[0].field, 'types');
});

t.test('a client that reconnects with Last-Event-ID while events keep flowing ends with every event exactly once', async (t) => {
  const herald = await startTestHerald(t);
  const received: SseMessage[] = [];
  let client = openSse(streamUrl(herald), await asAdmin(herald));
  await eventually(async () => herald.eventHub.listenerCount() === 1);

  // A steady writer in the background while the client is cut off three times.
  let writing = true;
  const writer = (async () => {
    let count = 0;
    while (writing) {
      await createProduct(herald);
      count += 1;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    return count;
  })();

  for (let cut = 0; cut < 3; cut++) {
    await client.waitFor((m) => ids(m).length >= 5);
    client.close();
    received.push(...productEvents(client.messages));
    const last = received[received.length - 1]!.id!;
    await new Promise((resolve) => setTimeout(resolve, 100)); // events flow while disconnected
    client = openSse(streamUrl(herald), { ...(await asAdmin(herald)), 'last-event-id': last });
  }
  writing = false;
  const written = await writer;
  const topic = await readTopic(herald.transport, herald.topic, (r) => r.length >= written, 30_000, 0);
  await client.waitFor((m) => received.length + ids(m).length >= topic.length, 30_000);
  received.push(...productEvents(client.messages));
  client.close();

  const receivedIds = ids(received);
  t.equal(new Set(receivedIds).size, receivedIds.length, 'no event twice');
  t.same([...receivedIds].sort(), topic.map((r) => r.event.id).sort(), 'every event, none missing');
  // Partitions interleave differently for different readers; within a product the order is fixed.
  const bySubject = (events: Array<{ id: string; subject: string }>) =>
    events.reduce<Record<string, string[]>>((acc, e) => ((acc[e.subject] ??= []).push(e.id), acc), {});
  t.same(
    bySubject(received.map((m) => JSON.parse(m.data))),
    bySubject(topic.map((r) => r.event)),
    'per product, the stream keeps the topic order',
  );
});

t.test('a resume from an id the server cannot place is announced with a resync event', async (t) => {
  const herald = await startTestHerald(t);
  const client = openSse(streamUrl(herald, `?last_event_id=${randomUUID()}`), await asAdmin(herald));
  t.teardown(() => client.close());
  await client.waitFor((m) => m.some((x) => x.event === 'resync'));
  t.pass('the client is told its position is lost');
});

t.test('an unknown or all-zero Last-Event-ID gets resync alone, then live events, never a replay of the ring', async (t) => {
  const herald = await startTestHerald(t);
  // Events in the ring before the client comes.
  const watcher = openSse(streamUrl(herald), await asAdmin(herald));
  t.teardown(() => watcher.close());
  await eventually(async () => herald.eventHub.listenerCount() === 1);
  await createProduct(herald);
  await createProduct(herald);
  await watcher.waitFor((m) => ids(m).length >= 2);

  for (const lastEventId of ['00000000-0000-0000-0000-000000000000', randomUUID()]) {
    const client = openSse(streamUrl(herald), { ...(await asAdmin(herald)), 'last-event-id': lastEventId });
    t.teardown(() => client.close());
    await client.waitFor((m) => m.some((x) => x.event === 'resync'));
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a replay to show up
    t.same(productStream(client.messages), ['resync'], `${lastEventId}: resync and nothing else`);
    const live = await createProduct(herald);
    await client.waitFor((m) => m.some((x) => x.id && JSON.parse(x.data).subject === live.id));
    t.same(productStream(client.messages), ['resync', 'ProductCreated'], `${lastEventId}: then the live events`);
    client.close();
  }
});

t.test('an event id sent in upper case resumes from that event', async (t) => {
  const herald = await startTestHerald(t);
  const first = openSse(streamUrl(herald), await asAdmin(herald));
  t.teardown(() => first.close());
  await eventually(async () => herald.eventHub.listenerCount() === 1);
  for (let i = 0; i < 3; i++) await createProduct(herald);
  await first.waitFor((m) => ids(m).length >= 3);
  const [seen, ...missed] = ids(first.messages);

  const resumed = openSse(streamUrl(herald), { ...(await asAdmin(herald)), 'last-event-id': seen!.toUpperCase() });
  t.teardown(() => resumed.close());
  await resumed.waitFor((m) => ids(m).length >= missed.length);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.notOk(resumed.messages.some((m) => m.event === 'resync'), 'no resync');
  t.same(ids(resumed.messages), missed, 'exactly the events after it');
});

t.test("the contract's EventType and types filter name every event type the stream carries", async (t) => {
  const { components } = loadOpenApiDocument() as unknown as {
    components: { schemas: { EventType: { enum: string[] }; EventTypeList: { pattern: string } } };
  };
  t.same([...components.schemas.EventType.enum].sort(), [...eventTypes].sort(), 'EventType');
  const filter = new RegExp(components.schemas.EventTypeList.pattern);
  t.ok(filter.test(eventTypes.join(',')), 'EventTypeList takes every type');
  t.notOk(filter.test('ProductCreated,Nope'), 'and nothing else');
});
