import type { EmbeddedBroker } from '@herald/event-transport';
import { startKafka } from '@herald/stack';
import t from 'tap';
import { eventually, onRealBroker, readTopic, startTestHerald, validProduct, type TestHerald } from './helpers/herald.js';

interface Outage {
  herald: TestHerald;
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
}

/**
 * On the real-broker run the API gets a Kafka of its own that the test stops and starts; on the
 * embedded run the embedded broker plays the outage (setAvailable).
 */
async function withInterruptibleBroker(t: { teardown(fn: () => unknown): void }): Promise<Outage> {
  if (onRealBroker) {
    const kafka = await startKafka();
    t.teardown(() => kafka.stop());
    const herald = await startTestHerald(t, { KAFKA_BROKERS: kafka.brokers });
    return { herald, stopBroker: () => kafka.stop(), startBroker: () => kafka.start() };
  }
  const herald = await startTestHerald(t);
  const broker = herald.transport as EmbeddedBroker;
  return {
    herald,
    stopBroker: async () => broker.setAvailable(false),
    startBroker: async () => broker.setAvailable(true),
  };
}

async function pendingOutboxRows(herald: TestHerald): Promise<number> {
  const { rows } = await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  return rows[0].n;
}

t.test('while the broker is down writes still succeed, and afterwards every change is published once in effect', async (t) => {
  const { herald, stopBroker, startBroker } = await withInterruptibleBroker(t);

  const before = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 100 }) })).json();
  await eventually(async () => (await pendingOutboxRows(herald)) === 0, 60_000);

  await stopBroker();
  const statuses: number[] = [];
  const ids: string[] = [before.id];
  for (let i = 0; i < 20; i++) {
    const created = await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 30 }) });
    statuses.push(created.statusCode);
    ids.push(created.json().id);
    const adjusted = await herald.request({
      method: 'POST',
      url: `/api/v1/products/${before.id}/stock-adjustments`,
      body: { delta: -1, reason: 'sold during outage' },
    });
    statuses.push(adjusted.statusCode);
  }
  t.same([...new Set(statuses)], [201], 'every write during the outage succeeded');

  // The publisher notices: readiness stays 200 but reports the broker as unreachable with a backlog.
  const degraded = await eventually(async () => {
    const ready = await herald.request({ method: 'GET', url: '/health/ready' });
    const body = ready.json();
    return body.checks.publisher.broker === 'unreachable' ? { status: ready.statusCode, body } : undefined;
  }, 60_000);
  t.equal(degraded.status, 200, 'a broker outage does not make the API unready');
  t.equal(degraded.body.status, 'degraded');
  t.ok((await pendingOutboxRows(herald)) > 0, 'events wait in the outbox');

  await startBroker();
  await eventually(async () => (await pendingOutboxRows(herald)) === 0, 120_000, 250);

  const { rows: committed } = await herald.pool.query<{ event_id: string }>('SELECT event_id FROM outbox WHERE topic = $1 ORDER BY position', [herald.topic]);
  const received = await readTopic(herald.transport, herald.topic, (r) => new Set(r.map((e) => e.event.id)).size >= committed.length, 60_000);
  const receivedIds = received.map((r) => r.event.id);
  const unique = new Set(receivedIds);
  t.same([...unique].sort(), committed.map((r) => r.event_id).sort(), 'every committed event reached the topic');
  t.comment(`records received: ${receivedIds.length}, distinct events: ${unique.size}`);
  t.equal(receivedIds.length - unique.size, 0, 'no event was written twice (idempotent producer)');

  const adjustments = received
    .map((r) => r.event)
    .filter((e) => e.type === 'StockAdjusted' && e.subject === before.id)
    .map((e) => (e.type === 'StockAdjusted' ? e.data.stock_after : -1));
  t.same(adjustments, Array.from({ length: 20 }, (_, i) => 99 - i), 'per-product order survived the outage');
  t.equal(new Set(ids).size, 21);
});
