import t from 'tap';
import { addToasts, dismissToast } from '../src/state/low-stock-alerts.js';
import { lowStockWarning, stockAdjusted } from './helpers/events.js';

t.test('a LowStockWarning becomes a toast with the product name, sku and stock', async (t) => {
  const warning = lowStockWarning('TEA-1', 3);
  const toasts = addToasts([], [stockAdjusted(), warning]);
  t.equal(toasts.length, 1, 'other events make no toast');
  t.match(toasts[0], { id: warning.id, sku: 'TEA-1', name: 'Product TEA-1', stock: 3, threshold: 10 });
});

t.test('the newest toast is on top and at most `max` are shown', async (t) => {
  const warnings = ['A', 'B', 'C'].map((sku) => lowStockWarning(sku));
  let toasts = addToasts([], [warnings[0]!, warnings[1]!], 2);
  toasts = addToasts(toasts, [warnings[2]!], 2);
  t.same(toasts.map((x) => x.sku), ['C', 'B']);
});

t.test('the same warning twice makes one toast', async (t) => {
  const warning = lowStockWarning('A');
  t.equal(addToasts(addToasts([], [warning]), [warning]).length, 1);
});

t.test('a batch without warnings leaves the toasts as they are', async (t) => {
  const toasts = addToasts([], [lowStockWarning('A')]);
  t.equal(addToasts(toasts, [stockAdjusted()]), toasts);
});

t.test('a dismissed toast goes away, the others stay', async (t) => {
  const toasts = addToasts([], [lowStockWarning('A'), lowStockWarning('B')]);
  t.same(dismissToast(toasts, toasts[0]!.id).map((x) => x.sku), ['A']);
});
