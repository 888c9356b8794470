import t from 'tap';
import { describeEvent, formatMoney, formatWhen } from '../src/format.js';
import { countScale } from '../src/state/chart-scale.js';
import { summaryFromProducts } from '../src/state/inventory-summary.js';
import { lowStockWarning, productCreated, stockAdjusted } from './helpers/events.js';

t.test('money in minor units reads in the currency', async (t) => {
  t.equal(formatMoney({ amount: 1250, currency: 'EUR' }, 'en-US'), '€12.50');
  t.equal(formatMoney({ amount: 500, currency: 'JPY' }, 'en-US'), '¥500', 'a currency without minor units');
  t.match(formatMoney({ amount: 1234, currency: 'XXQ' }, 'en-US'), /^XXQ\s12\.34$/, 'a code without a symbol shows the code');
  t.equal(formatMoney({ amount: 1234, currency: 'eur' }, 'en-US'), '€12.34', 'a lower-case code');
  t.equal(formatMoney({ amount: 5, currency: 'EUR' }, 'en-US'), '€0.05');
});

t.test('a total above 2^53, sent as a decimal string, reads with every digit', async (t) => {
  t.equal(formatMoney({ amount: '19342813104826865393074179', currency: 'EUR' }, 'en-US'), '€193,428,131,048,268,653,930,741.79');
  t.equal(formatMoney({ amount: '9007199254740993', currency: 'JPY' }, 'en-US'), '¥9,007,199,254,740,993');
  t.equal(formatMoney({ amount: '0', currency: 'EUR' }, 'en-US'), '€0.00');
});

t.test('a time of today shows alone, an older one with its date', async (t) => {
  const now = new Date(2025, 5, 15, 18, 0);
  t.equal(formatWhen(new Date(2025, 5, 15, 9, 5).toISOString(), now, 'en-GB'), '09:05');
  t.equal(formatWhen(new Date(2025, 5, 2, 9, 5).toISOString(), now, 'en-GB'), '2 Jun, 09:05');
});

t.test('each event reads as one line', async (t) => {
  t.equal(describeEvent(productCreated('TEA-1')), 'TEA-1 · Product TEA-1 · stock 40');
  t.equal(describeEvent(lowStockWarning('TEA-1', 2)), 'TEA-1 · stock 2 (threshold 10)');
  const adjusted = stockAdjusted(new Date(), -3);
  t.equal(describeEvent(adjusted, () => 'TEA-1'), 'TEA-1 · -3 → stock 7 · order');
  t.match(describeEvent(adjusted), /^[0-9a-f]{8} · -3/, 'an unknown product by the start of its id');
});

t.test('the chart axis ends on a whole, round number at or above the maximum', async (t) => {
  t.same(countScale(0), { top: 4, ticks: [0, 1, 2, 3, 4] });
  t.same(countScale(3).ticks, [0, 1, 2, 3, 4]);
  t.same(countScale(17).ticks, [0, 5, 10, 15, 20]);
  t.same(countScale(70).top, 80);
  t.same(countScale(1234).top, 2000);
});

t.test('the inventory figures can be computed from the product list', async (t) => {
  const product = (stock: number, amount: number, currency: string, low: boolean) =>
    ({ stock, low_stock: low, price: { amount, currency } }) as Parameters<typeof summaryFromProducts>[0][number];
  t.strictSame(summaryFromProducts([product(2, 100, 'USD', true), product(10, 250, 'EUR', false), product(1, 50, 'EUR', true)]), {
    productCount: 3,
    unitsInStock: 13,
    stockValue: [
      { amount: '2550', currency: 'EUR' },
      { amount: '200', currency: 'USD' },
    ],
    lowStockCount: 2,
  });
});
