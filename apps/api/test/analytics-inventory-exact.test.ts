import t from 'tap';
import { eventually, startTestHerald, validProduct } from './helpers/herald.js';

/**
 * `GET /api/v1/analytics/inventory` end to end, with stock values far above 2^53: products created
 * through the API, folded by the in-process analytics consumer, served as decimal strings that
 * keep every digit (a JSON number would be rounded by every client that parses it as a double).
 */

const MAX_STOCK = 2_147_483_647;

t.test('a stock value above 2^53 is served as an exact decimal string', async (t) => {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
  const post = (body: unknown) => herald.request({ method: 'POST', url: '/api/v1/products', body });
  t.equal((await post(validProduct({ price: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' }, stock: MAX_STOCK }))).statusCode, 201);
  t.equal((await post(validProduct({ price: { amount: 2, currency: 'EUR' }, stock: 1 }))).statusCode, 201);
  // 2^53 + 1: the smallest integer a double cannot hold.
  t.equal((await post(validProduct({ price: { amount: Number.MAX_SAFE_INTEGER, currency: 'USD' }, stock: 1 }))).statusCode, 201);
  t.equal((await post(validProduct({ price: { amount: 1, currency: 'USD' }, stock: 2 }))).statusCode, 201);

  const response = await eventually(async () => {
    const read = await herald.request({ method: 'GET', url: '/api/v1/analytics/inventory' });
    return read.json().product_count === 4 && read;
  }, 30_000, 200);
  const eur = (BigInt(Number.MAX_SAFE_INTEGER) * BigInt(MAX_STOCK) + 2n).toString();
  t.strictSame(response.json().stock_value, [
    { amount: eur, currency: 'EUR' },
    { amount: '9007199254740993', currency: 'USD' },
  ]);
  t.match(response.body, `"amount":"${eur}"`, 'a JSON string on the wire, every digit of it');
  t.equal(response.json().units_in_stock, MAX_STOCK + 4);
});
