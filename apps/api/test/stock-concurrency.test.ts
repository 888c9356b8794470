import t from 'tap';
import { readTopic, startTestHerald, validProduct } from './helpers/herald.js';

t.test('100 concurrent -1 adjustments against stock 50: exactly 50 succeed and stock ends at 0', async (t) => {
  const herald = await startTestHerald(t);
  const product = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 50, low_stock_threshold: 0 }) })).json();

  // Real HTTP requests, all in flight at once, so they race for the row in PostgreSQL.
  const authorization = `Bearer ${await herald.adminToken()}`;
  const responses = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      fetch(`${herald.url}/api/v1/products/${product.id}/stock-adjustments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ delta: -1, reason: `order ${i}` }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as any })),
    ),
  );

  const succeeded = responses.filter((r) => r.status === 201);
  const refused = responses.filter((r) => r.status === 409);
  t.equal(succeeded.length, 50, '50 adjustments succeed');
  t.equal(refused.length, 50, '50 are refused for insufficient stock');
  t.ok(refused.every((r) => r.body.type === 'urn:herald:problem:insufficient-stock'));
  t.same(
    succeeded.map((r) => r.body.stock_after).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
    'each success saw a distinct stock level: no lost update',
  );

  const after = (await herald.request({ method: 'GET', url: `/api/v1/products/${product.id}` })).json();
  t.equal(after.stock, 0, 'stock ends at 0, never below');
  t.equal(after.version, 51, 'one version per successful adjustment');

  const { rows } = await herald.pool.query('SELECT count(*)::int AS n FROM stock_adjustments WHERE product_id = $1', [product.id]);
  t.equal(rows[0].n, 50, 'only the successful adjustments were recorded');

  // ProductCreated + 50 StockAdjusted + 1 LowStockWarning (reaching 0 with threshold 0)
  const received = await readTopic(herald.transport, herald.topic, (r) => r.length >= 52);
  const adjusted = received.filter((r) => r.event.type === 'StockAdjusted');
  t.equal(adjusted.length, 50, 'one StockAdjusted event per successful adjustment');
  t.equal(received.filter((r) => r.event.type === 'LowStockWarning').length, 1);
});
