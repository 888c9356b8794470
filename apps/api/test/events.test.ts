import { validateEvent, type HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { readTopic, startTestHerald, validProduct } from './helpers/herald.js';

const ofType = <T extends HeraldEvent['type']>(events: HeraldEvent[], type: T) =>
  events.filter((e): e is Extract<HeraldEvent, { type: T }> => e.type === type);

t.test('product writes publish schema-valid CloudEvents, keyed by product, in order per product', async (t) => {
  const herald = await startTestHerald(t);

  const created = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 20 }) })).json();
  const other = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 5 }) })).json();
  const id = created.id as string;
  await herald.request({ method: 'PATCH', url: `/api/v1/products/${id}`, body: { name: 'Green tea, loose' } });
  for (let i = 0; i < 5; i++) {
    await herald.request({ method: 'POST', url: `/api/v1/products/${id}/stock-adjustments`, body: { delta: -1, reason: 'sale' } });
  }
  await herald.request({ method: 'DELETE', url: `/api/v1/products/${other.id}` });

  // created: ProductCreated + 1 update + 5 adjustments; other: Created + LowStockWarning + Deleted
  const expected = 10;
  const received = await readTopic(herald.transport, herald.topic, (r) => r.length >= expected);
  t.equal(received.length, expected, 'every committed change has exactly one event');

  for (const { record, event } of received) {
    t.same(validateEvent(event).valid, true, `${event.type} validates against its schema`);
    t.equal(record.key, event.subject, 'record key is the event subject');
    t.equal(record.headers['content-type'], 'application/cloudevents+json', 'structured mode content type');
  }

  const ofProduct = received.map((r) => r.event).filter((e) => e.subject === id);
  t.same(
    ofProduct.map((e) => e.type),
    ['ProductCreated', 'ProductUpdated', 'StockAdjusted', 'StockAdjusted', 'StockAdjusted', 'StockAdjusted', 'StockAdjusted'],
    'events of one product arrive in commit order',
  );
  t.same(
    ofType(ofProduct, 'StockAdjusted').map((e) => e.data.stock_after),
    [19, 18, 17, 16, 15],
  );
  const partitions = new Set(received.filter((r) => r.event.subject === id).map((r) => r.record.partition));
  t.equal(partitions.size, 1, 'one product always lands on one partition');
});

t.test('LowStockWarning is raised when a write crosses into low stock, and only then', async (t) => {
  const herald = await startTestHerald(t);
  const post = (body: unknown) => herald.request({ method: 'POST', url: '/api/v1/products', body });

  // Created low: warned at creation.
  const createdLow = (await post(validProduct({ stock: 3, low_stock_threshold: 5 }))).json();
  // Created healthy, then an update raises the threshold above the stock: warned by the update.
  const byUpdate = (await post(validProduct({ stock: 8, low_stock_threshold: 5 }))).json();
  await herald.request({ method: 'PATCH', url: `/api/v1/products/${byUpdate.id}`, body: { low_stock_threshold: 8 } });
  // Created healthy, adjusted down across the threshold: warned by that adjustment only;
  // further adjustments while low do not warn again; going back up and down again warns again.
  const byAdjustment = (await post(validProduct({ stock: 12, low_stock_threshold: 10 }))).json();
  const adjust = (delta: number) =>
    herald.request({ method: 'POST', url: `/api/v1/products/${byAdjustment.id}/stock-adjustments`, body: { delta, reason: 'test' } });
  await adjust(-1); // 11: healthy
  await adjust(-1); // 10: crosses (stock <= threshold)
  await adjust(-3); // 7: stays low, no warning
  await adjust(+10); // 17: healthy again
  await adjust(-8); // 9: crosses again
  // An update while low that does not cross does not warn.
  await herald.request({ method: 'PATCH', url: `/api/v1/products/${createdLow.id}`, body: { name: 'Still low' } });

  const total = 3 + 1 + 5 + 1 /* events */ + 4 /* warnings */;
  const received = await readTopic(herald.transport, herald.topic, (r) => r.length >= total);
  const warnings = ofType(received.map((r) => r.event), 'LowStockWarning');
  // Different products sit on different partitions, so only the order per product is defined.
  const warningsOf = (id: string) => warnings.filter((w) => w.subject === id).map((w) => [w.data.cause, w.data.stock]);
  t.same(warningsOf(createdLow.id), [['created', 3]], 'created low: warned at creation, not again by a later update');
  t.same(warningsOf(byUpdate.id), [['updated', 8]], 'an update that raises the threshold over the stock warns');
  t.same(
    warningsOf(byAdjustment.id),
    [['stock_adjusted', 10], ['stock_adjusted', 9]],
    'adjustments warn on each crossing, not while the product stays low',
  );
  t.equal(received.length, total, 'no other event was published');
});
