import t from 'tap';
import { addLiveEvents, chartBuckets, emptyRates, minuteOf, ratesFromSnapshot } from '../src/state/event-rates.js';
import { lowStockWarning, stockAdjusted } from './helpers/events.js';

const at = (iso: string) => new Date(iso);
const snapshot = {
  from: '2025-01-01T10:00:00.000Z',
  to: '2025-01-01T10:05:30.000Z',
  series: [
    { minute: '2025-01-01T10:03:00.000Z', type: 'StockAdjusted', count: 4 },
    { minute: '2025-01-01T10:05:00.000Z', type: 'StockAdjusted', count: 2 },
    { minute: '2025-01-01T10:05:00.000Z', type: 'LowStockWarning', count: 1 },
  ],
};

t.test('the snapshot fills the chart, one bucket per minute with the empty ones at zero', async (t) => {
  const rates = ratesFromSnapshot(snapshot, 5);
  const buckets = chartBuckets(rates, Date.parse('2025-01-01T10:05:40Z'));
  t.same(
    buckets.map((b) => [new Date(b.minute).toISOString().slice(11, 16), b.total]),
    [
      ['10:01', 0],
      ['10:02', 0],
      ['10:03', 4],
      ['10:04', 0],
      ['10:05', 3],
    ],
  );
  t.same(buckets[4]!.counts, { StockAdjusted: 2, LowStockWarning: 1 });
});

t.test('live events after the snapshot are added to their minute', async (t) => {
  const rates = addLiveEvents(ratesFromSnapshot(snapshot, 5), [
    stockAdjusted(at('2025-01-01T10:05:45Z')),
    lowStockWarning('A', 1, at('2025-01-01T10:06:01Z')),
  ]);
  const buckets = chartBuckets(rates, Date.parse('2025-01-01T10:06:10Z'));
  t.same(buckets.at(-2)!.counts, { StockAdjusted: 3, LowStockWarning: 1 });
  t.same(buckets.at(-1)!.counts, { LowStockWarning: 1 });
});

t.test('events the snapshot already counted are not counted twice', async (t) => {
  const base = ratesFromSnapshot(snapshot, 5);
  const rates = addLiveEvents(base, [stockAdjusted(at('2025-01-01T10:05:10Z'))]);
  t.equal(rates, base, 'unchanged');
});

t.test('minutes that leave the window are pruned so memory stays flat', async (t) => {
  let rates = emptyRates(3, 0);
  for (let m = 0; m < 100; m++) rates = addLiveEvents(rates, [stockAdjusted(new Date(Date.UTC(2025, 0, 1, 10, m, 5)))]);
  t.equal(rates.buckets.size, 3);
});

t.test('the window is not changed in place (React sees a new object)', async (t) => {
  const base = ratesFromSnapshot(snapshot, 5);
  const before = base.buckets.get(minuteOf(Date.parse('2025-01-01T10:05:00Z')))!.get('StockAdjusted');
  addLiveEvents(base, [stockAdjusted(at('2025-01-01T10:05:50Z'))]);
  t.equal(base.buckets.get(minuteOf(Date.parse('2025-01-01T10:05:00Z')))!.get('StockAdjusted'), before);
});
