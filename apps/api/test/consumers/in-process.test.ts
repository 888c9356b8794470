import { randomUUID } from 'node:crypto';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, createEvent, type HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { eventually, readTopic, startTestHerald, validProduct, type TestHerald } from '../helpers/herald.js';
import { openSse } from '../helpers/sse-client.js';

async function startWithConsumers(t: Parameters<typeof startTestHerald>[0], env: Record<string, string> = {}) {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true', ...env });
  const consumers = await herald.consumers;
  if (!consumers) throw new Error('in-process consumers did not start');
  return herald;
}

/**
 * Waits until every consumer group (the four consumer apps, and the images feature's api-images)
 * has handled everything in the topics.
 */
async function consumersCaughtUp(herald: TestHerald) {
  await eventually(async () => {
    const { rows: pending } = await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    if (pending[0].n > 0) return false;
    const lag = (await herald.request({ method: 'GET', url: '/api/v1/analytics/consumer-lag' })).json();
    // Pending rows are checked first (the outbox table, not the publisher's last report), then lag.
    const groups = new Set(lag.groups.map((g: { group: string }) => g.group.slice(herald.topicPrefix.length)));
    const all = ['notifier', 'analytics', 'fanout', 'media', 'api-images'].every((name) => groups.has(name));
    return all && lag.groups.every((g: { lag: number }) => g.lag === 0);
  }, 30_000, 200);
}

/** The inventory an independent reader computes from the events alone. */
function foldInventory(events: HeraldEvent[]) {
  const products = new Map<string, { sku: string; stock: number; threshold: number; amount: number; currency: string }>();
  for (const event of events) {
    if (event.type === 'ProductCreated' || event.type === 'ProductUpdated') {
      const p = event.data.product;
      products.set(p.id, { sku: p.sku, stock: p.stock, threshold: p.low_stock_threshold, amount: p.price.amount, currency: p.price.currency });
    } else if (event.type === 'StockAdjusted') {
      products.get(event.data.product_id)!.stock = event.data.stock_after;
    } else if (event.type === 'ProductDeleted') {
      products.delete(event.data.product_id);
    }
  }
  const value = new Map<string, number>();
  for (const p of products.values()) value.set(p.currency, (value.get(p.currency) ?? 0) + p.amount * p.stock);
  return {
    product_count: products.size,
    units_in_stock: [...products.values()].reduce((sum, p) => sum + p.stock, 0),
    stock_value: [...value.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ amount: String(amount), currency })),
    low_stock_skus: [...products.values()].filter((p) => p.stock <= p.threshold).map((p) => p.sku).sort(),
  };
}

t.test('the analytics figures served by the API equal those computed from the events directly', async (t) => {
  const herald = await startWithConsumers(t);
  const post = (body: unknown) => herald.request({ method: 'POST', url: '/api/v1/products', body });
  const ids: string[] = [];
  const currencies = ['EUR', 'USD', 'EUR', 'JPY', 'EUR', 'USD'];
  for (const [i, currency] of currencies.entries()) {
    ids.push((await post(validProduct({ stock: 5 + i * 7, price: { amount: 100 + i * 55, currency }, low_stock_threshold: 8 }))).json().id);
  }
  await herald.request({ method: 'PATCH', url: `/api/v1/products/${ids[0]}`, body: { price: { amount: 999, currency: 'EUR' } } });
  await herald.request({ method: 'PATCH', url: `/api/v1/products/${ids[1]}`, body: { low_stock_threshold: 50 } });
  for (const [i, id] of ids.entries()) {
    await herald.request({ method: 'POST', url: `/api/v1/products/${id}/stock-adjustments`, body: { delta: i % 2 ? -3 : 4, reason: 'count' } });
  }
  await herald.request({ method: 'DELETE', url: `/api/v1/products/${ids[5]}` });
  await consumersCaughtUp(herald);

  const { rows } = await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE topic = $1', [herald.topic]);
  const events = (await readTopic(herald.transport, herald.topic, (r) => r.length >= rows[0].n)).map((r) => r.event);
  const expected = foldInventory(events);
  const inventory = (await herald.request({ method: 'GET', url: '/api/v1/analytics/inventory' })).json();
  t.equal(inventory.product_count, expected.product_count);
  t.equal(inventory.units_in_stock, expected.units_in_stock);
  t.same(inventory.stock_value, expected.stock_value, 'stock value per currency');
  t.same(inventory.low_stock.map((p: { sku: string }) => p.sku).sort(), expected.low_stock_skus, 'the low-stock list');

  const rates = (await herald.request({ method: 'GET', url: '/api/v1/analytics/events?minutes=5' })).json();
  const counted: Record<string, number> = {};
  for (const point of rates.series) counted[point.type] = (counted[point.type] ?? 0) + point.count;
  const direct: Record<string, number> = {};
  for (const event of events) direct[event.type] = (direct[event.type] ?? 0) + 1;
  t.same(counted, direct, 'events per type add up to what the topic holds');
});

t.test('a stream resumed from an event this instance no longer remembers is replayed from the event log', async (t) => {
  // No recent ring at all: every resume must come from the notifier's DynamoDB log.
  const herald = await startWithConsumers(t, { SSE_RECENT_EVENTS: '0' });
  const asAdmin = { authorization: `Bearer ${await herald.adminToken()}` };
  const first = openSse(`${herald.url}/api/v1/events/stream`, asAdmin);
  await eventually(async () => herald.eventHub.listenerCount() === 1);
  await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() });
  await first.waitFor((m) => m.some((x) => x.id));
  first.close();
  const lastSeen = first.messages.find((m) => m.id)!.id!;
  // The log orders events as the notifier logged them; what it logged before the client's last
  // event is, by that order, not missed. Let it log that event before writing the next ones.
  await consumersCaughtUp(herald);

  const missed: string[] = [];
  for (let i = 0; i < 4; i++) {
    const product = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 100 }) })).json();
    missed.push(product.id);
  }
  await consumersCaughtUp(herald);

  const resumed = openSse(`${herald.url}/api/v1/events/stream`, { ...asAdmin, 'last-event-id': lastSeen });
  t.teardown(() => resumed.close());
  await resumed.waitFor((m) => m.filter((x) => x.id).length >= 4);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.notOk(resumed.messages.some((m) => m.event === 'resync'), 'the position was found in the log');
  const replayed = resumed.messages.filter((m) => m.id).map((m) => JSON.parse(m.data).subject as string);
  // Each product here has one event on its own key; across keys (partitions) the log's order is
  // the notifier's, which is only defined per key.
  t.same([...replayed].sort(), [...missed].sort(), 'exactly the events written while disconnected');
  t.equal(new Set(replayed).size, replayed.length, 'none twice');
});

t.test('dead letters are listed with their reason and re-driven once through the outbox', async (t) => {
  const herald = await startWithConsumers(t);
  const producer = herald.transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());

  // A record no consumer can read: both groups set it aside and carry on.
  await producer.send([{ topic: herald.topic, key: 'poison', value: '{"not":"an event"', headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } }]);
  const after = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() })).json();
  await consumersCaughtUp(herald);
  for (const group of ['notifier', 'analytics']) {
    const list = (await herald.request({ method: 'GET', url: `/api/v1/dead-letters?group=${group}` })).json();
    t.equal(list.items.length, 1, `${group} set the poison record aside`);
    t.match(list.items[0].reason, /not JSON|JSON/i);
    t.equal(list.items[0].redriven, false);
  }
  const inventory = (await herald.request({ method: 'GET', url: '/api/v1/analytics/inventory' })).json();
  t.equal(inventory.product_count, 1, `the event behind the poison record was handled (${after.id})`);

  // A valid event that analytics had given up on (as after a bug): simulated in its dead-letter topic.
  const id = randomUUID();
  const now = new Date().toISOString();
  const lost = createEvent({
    type: 'ProductCreated',
    subject: id,
    source: '/herald/api',
    data: { product: { id, sku: `LOST-${id.slice(0, 6)}`, name: 'Recovered', description: '', price: { amount: 10, currency: 'EUR' }, stock: 3, low_stock_threshold: 1, created_at: now, updated_at: now, version: 1 } },
  });
  await producer.send([
    {
      topic: `${herald.topicPrefix}herald.dead-letters.analytics`,
      key: id,
      value: JSON.stringify(lost),
      headers: {
        'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE,
        'herald-dead-letter-reason': 'handler failed 5 times: simulated',
        'herald-dead-letter-group': `${herald.topicPrefix}analytics`,
        'herald-dead-letter-attempts': '5',
        'herald-dead-letter-at': now,
        'herald-source-topic': herald.topic,
        'herald-source-partition': '0',
        'herald-source-offset': '0',
      },
    },
  ]);

  const redrive = (await herald.request({ method: 'POST', url: '/api/v1/dead-letters/redrive', body: { group: 'analytics' } })).json();
  t.equal(redrive.redriven.length, 1, 'the valid dead letter is re-driven');
  t.equal(redrive.skipped.length, 1, 'the poison record is skipped, with why');
  await consumersCaughtUp(herald);
  const recovered = (await herald.request({ method: 'GET', url: '/api/v1/analytics/inventory' })).json();
  t.equal(recovered.product_count, 2, 'analytics applied the re-driven event');

  const again = (await herald.request({ method: 'POST', url: '/api/v1/dead-letters/redrive', body: { group: 'analytics' } })).json();
  t.same(again.redriven, [], 'a second re-drive does nothing');
  const list = (await herald.request({ method: 'GET', url: '/api/v1/dead-letters?group=analytics' })).json();
  t.same(list.items.map((i: { redriven: boolean }) => i.redriven), [false, true]);
});
