import t from 'tap';
import { entersLowStock, isLowStock } from '../../src/products/low-stock.js';

const level = (stock: number, low_stock_threshold: number) => ({ stock, low_stock_threshold });

t.test('a product is low on stock when its stock is at or below its threshold', async (t) => {
  t.equal(isLowStock(level(9, 10)), true, 'below the threshold');
  t.equal(isLowStock(level(10, 10)), true, 'at the threshold');
  t.equal(isLowStock(level(11, 10)), false, 'above the threshold');
  t.equal(isLowStock(level(0, 0)), true, 'an empty shelf with a zero threshold is low');
  t.equal(isLowStock(level(1, 0)), false, 'a zero threshold only warns when empty');
  t.equal(isLowStock(level(2_147_483_647, 2_147_483_647)), true, 'the bounds of a stock level compare exactly');
});

t.test('creating a product that starts low counts as entering the low-stock state', async (t) => {
  t.equal(entersLowStock(undefined, level(3, 5)), true);
  t.equal(entersLowStock(undefined, level(6, 5)), false, 'a healthy new product does not');
});

t.test('a write that moves a healthy product to or below its threshold enters the low-stock state', async (t) => {
  t.equal(entersLowStock(level(11, 10), level(10, 10)), true, 'stock falls onto the threshold');
  t.equal(entersLowStock(level(50, 10), level(0, 10)), true, 'stock falls far below');
  t.equal(entersLowStock(level(8, 5), level(8, 8)), true, 'the threshold rises onto the stock');
});

t.test('a write that leaves a product low, or leaves it healthy, does not enter the low-stock state again', async (t) => {
  t.equal(entersLowStock(level(7, 10), level(3, 10)), false, 'low before and after');
  t.equal(entersLowStock(level(10, 10), level(10, 10)), false, 'unchanged while low');
  t.equal(entersLowStock(level(20, 10), level(15, 10)), false, 'healthy before and after');
  t.equal(entersLowStock(level(5, 10), level(20, 10)), false, 'leaving the low state is not entering it');
});
