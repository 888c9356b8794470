import t from 'tap';
import { countByType, prependEvents } from '../src/state/event-log.js';
import { lowStockWarning, stockAdjusted } from './helpers/events.js';

t.test('a batch goes on top, newest first', async (t) => {
  const [a, b, c] = [stockAdjusted(), stockAdjusted(), stockAdjusted()];
  const log = prependEvents([], [a!]);
  t.same(prependEvents(log, [b!, c!]).map((e) => e.id), [c!.id, b!.id, a!.id]);
});

t.test('the list never grows past its capacity: the oldest fall off', async (t) => {
  let log = prependEvents([], Array.from({ length: 4 }, () => stockAdjusted()), 5);
  const newer = Array.from({ length: 3 }, () => stockAdjusted());
  log = prependEvents(log, newer, 5);
  t.equal(log.length, 5);
  t.equal(log[0]!.id, newer[2]!.id);
});

t.test('a batch larger than the capacity keeps its newest events', async (t) => {
  const batch = Array.from({ length: 8 }, () => stockAdjusted());
  t.same(prependEvents([], batch, 3).map((e) => e.id), [batch[7]!.id, batch[6]!.id, batch[5]!.id]);
});

t.test('an empty batch returns the same list (no re-render)', async (t) => {
  const log = prependEvents([], [stockAdjusted()]);
  t.equal(prependEvents(log, []), log);
});

t.test('countByType counts each type in the list', async (t) => {
  const counts = countByType([stockAdjusted(), stockAdjusted(), lowStockWarning('A')]);
  t.same(Object.fromEntries(counts), { StockAdjusted: 2, LowStockWarning: 1 });
});
