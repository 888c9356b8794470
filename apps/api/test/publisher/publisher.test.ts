import { randomUUID } from 'node:crypto';
import { createEvent } from '@herald/event-schemas';
import { createKafkaTransport, type EmbeddedBroker } from '@herald/event-transport';
import pg from 'pg';
import t from 'tap';
import { eventually, kafkaBrokers, onRealBroker, readTopic, startTestHerald, validProduct } from '../helpers/herald.js';

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

t.test('an outbox row that fails its schema is set aside and the events behind it are still published', async (t) => {
  const herald = await startTestHerald(t);
  // A row no valid write could produce (e.g. left by a bad deployment): not a CloudEvent of our contract.
  const poisonId = randomUUID();
  await herald.pool.query(
    `INSERT INTO outbox (event_id, event_type, topic, message_key, payload) VALUES ($1, 'ProductCreated', $2, 'k', $3)`,
    [poisonId, herald.topic, JSON.stringify({ type: 'ProductCreated', id: poisonId, data: { nope: true } })],
  );
  const product = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() })).json();

  const received = await readTopic(herald.transport, herald.topic, (r) => r.length >= 1);
  t.same(received.map((r) => r.event.subject), [product.id], 'the valid event was published, the invalid one not');

  const { rows } = await herald.pool.query('SELECT set_aside_at, last_error FROM outbox WHERE event_id = $1', [poisonId]);
  t.ok(rows[0].set_aside_at, 'the invalid row is marked as set aside');
  t.match(rows[0].last_error, /fails its schema/, 'with the reason');

  const metrics = (await herald.request({ method: 'GET', url: '/metrics' })).body;
  t.equal(metric(metrics, 'herald_outbox_set_aside_total'), 1);
  const published = (await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL')).rows[0].n;
  t.equal(published, 2, "the product's event and the admin's UserRegistered");
  t.equal(metric(metrics, 'herald_events_published_total'), published);
});

t.test('metrics report backlog and publish failures while the broker is away', { skip: onRealBroker && 'the embedded broker plays this outage; the real-broker outage is in broker-outage.test.ts' }, async (t) => {
  const herald = await startTestHerald(t);
  const broker = herald.transport as EmbeddedBroker;
  broker.setAvailable(false);
  // Only the admin's UserRegistered of the start-up was published before the outage.
  const before = metric((await herald.request({ method: 'GET', url: '/metrics' })).body, 'herald_events_published_total');
  for (let i = 0; i < 3; i++) await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() });

  const during = await eventually(async () => {
    const text = (await herald.request({ method: 'GET', url: '/metrics' })).body;
    return metric(text, 'herald_outbox_backlog') === 3 && metric(text, 'herald_publish_failures_total') > 0 ? text : undefined;
  });
  t.equal(metric(during, 'herald_publisher_broker_reachable'), 0);
  t.equal(metric(during, 'herald_events_published_total'), before);

  broker.setAvailable(true);
  const after = await eventually(async () => {
    const text = (await herald.request({ method: 'GET', url: '/metrics' })).body;
    return metric(text, 'herald_outbox_backlog') === 0 ? text : undefined;
  });
  t.equal(metric(after, 'herald_events_published_total'), before + 3);
  t.equal(metric(after, 'herald_publisher_broker_reachable'), 1);
  t.match(after, /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/products",status_code="201"\} 3/);
});

t.test('closing the API publishes what was committed before it exits', async (t) => {
  // The worker sweeps once a minute here, and the rows below are committed without a nudge (as
  // when the process is told to stop right after a commit): only the final drain can publish them.
  const herald = await startTestHerald(t, { OUTBOX_SWEEP_INTERVAL_MS: '60000' });
  await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() });
  await eventually(async () => (await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0);

  const events = Array.from({ length: 20 }, () => {
    const id = randomUUID();
    const now = new Date().toISOString();
    return createEvent({
      type: 'ProductCreated',
      subject: id,
      source: '/herald/test',
      data: { product: { id, sku: `S-${id.slice(0, 8)}`, name: 'x', description: '', price: { amount: 1, currency: 'EUR' }, stock: 50, low_stock_threshold: 1, created_at: now, updated_at: now, version: 1 } },
    });
  });
  for (const event of events) {
    await herald.pool.query(
      'INSERT INTO outbox (event_id, event_type, topic, message_key, payload) VALUES ($1, $2, $3, $4, $5)',
      [event.id, event.type, herald.topic, event.subject, JSON.stringify(event)],
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pending = await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  t.equal(pending.rows[0].n, 20, 'the rows are pending when the stop begins');

  const check = new pg.Client({ connectionString: herald.databaseUrl });
  await check.connect();
  await herald.close();

  const { rows } = await check.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  await check.end();
  t.equal(rows[0].n, 0, 'nothing is left unpublished after a graceful stop');
  if (kafkaBrokers) {
    // The app's transport closed with it; Kafka itself can still be read.
    const transport = createKafkaTransport({ brokers: kafkaBrokers.split(','), clientId: 'herald-test-reader' });
    t.teardown(() => transport.close());
    const received = await readTopic(transport, herald.topic, (r) => r.length >= 21);
    t.equal(new Set(received.map((r) => r.event.id)).size, 21, 'every event reached the broker');
  }
});

t.test('each write is published at once, not at the next sweep, whether the publisher was busy or waiting', async (t) => {
  // The worker sweeps once a minute here: only the commit's own signal can get its event out sooner.
  const herald = await startTestHerald(t, { OUTBOX_SWEEP_INTERVAL_MS: '60000' });
  const unpublished = async () => (await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n;
  for (let burst = 1; burst <= 5; burst++) {
    // Concurrent writes land while the worker publishes the first of them; then it waits again.
    const writes = await Promise.all(Array.from({ length: 20 }, () => herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() })));
    t.same([...new Set(writes.map((write) => write.statusCode))], [201]);
    const began = Date.now();
    await eventually(async () => (await unpublished()) === 0, 10_000, 20);
    t.comment(`burst ${burst} published ${Date.now() - began} ms after its writes returned`);
    await new Promise((resolve) => setTimeout(resolve, 50 * burst));
  }
  const single = await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() });
  t.equal(single.statusCode, 201);
  await eventually(async () => (await unpublished()) === 0, 10_000, 20);
  t.pass('a lone write after a pause is published too');
});
