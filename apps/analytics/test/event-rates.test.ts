import t from 'tap';
import { createEvent, eventTypes, type HeraldEvent } from '@herald/event-schemas';
import { randomUUID } from 'node:crypto';
import { ANALYTICS_ERROR_CODES, MAX_EVENT_RATE_MINUTES, analyticsConsumer, createAnalyticsQueries } from '../src/index.js';
import { foldEventCounts } from './helpers/expected-figures.js';
import { generateHistory } from './helpers/event-history.js';
import { handlerContext } from './helpers/handler-context.js';
import { migratedDatabase, truncateAnalytics } from './helpers/test-database.js';

const { pool } = await migratedDatabase(t);
const consumer = analyticsConsumer({ pool });
const MINUTE = 60_000;

async function deliver(events: readonly HeraldEvent[]): Promise<void> {
  for (const event of events) await consumer.handle(event, handlerContext(event));
}

/** Queries whose clock reads `at`. */
const queriesAt = (at: string | Date) => createAnalyticsQueries(pool, { now: () => new Date(at) });

/** A StockAdjusted at `time` (the rate tests only care about type and time). */
function stockAdjustedAt(time: string): HeraldEvent {
  const id = randomUUID();
  return createEvent({
    type: 'StockAdjusted',
    subject: id,
    source: '/herald/api',
    time: new Date(time),
    data: { product_id: id, adjustment_id: randomUUID(), delta: 1, reason: 'count', stock_before: 0, stock_after: 1, version: 2 },
  });
}

t.beforeEach(() => truncateAnalytics(pool));

t.test('events are counted per type per UTC minute of their time, over a history spanning many minutes', async (t) => {
  const events = generateHistory({ seed: 21, writes: 250, start: new Date('2025-03-01T09:58:30.000Z') });
  await deliver(events);
  const times = events.map((event) => Date.parse(event.time));
  const firstMinute = Math.floor(Math.min(...times) / MINUTE) * MINUTE;
  const lastMinute = Math.floor(Math.max(...times) / MINUTE) * MINUTE;
  const minutes = (lastMinute - firstMinute) / MINUTE + 1;
  t.ok(minutes > 20, `the history spans ${minutes} minutes`);

  const now = new Date(lastMinute + 42_000);
  const rates = await queriesAt(now).eventRates({ minutes });
  t.equal(rates.from, new Date(firstMinute).toISOString(), 'from: the start of the oldest minute');
  t.equal(rates.to, now.toISOString(), 'to: the clock');

  const expected = foldEventCounts(events);
  const expectedSeries = [];
  for (let minute = firstMinute; minute <= lastMinute; minute += MINUTE) {
    const iso = new Date(minute).toISOString();
    for (const type of eventTypes) {
      const count = expected.get(`${iso}|${type}`);
      if (count !== undefined) expectedSeries.push({ minute: iso, type, count });
    }
  }
  t.ok(expectedSeries.length < minutes * eventTypes.length, 'some minutes lack some types');
  t.same(rates.series, expectedSeries, 'oldest first, types in catalog order, counts equal to the fold, empty minutes omitted');
  t.equal(
    rates.series.reduce((sum, point) => sum + point.count, 0),
    events.length,
    'every event is in exactly one point',
  );
});

t.test('a minute runs from :00.000 to :59.999', async (t) => {
  await deliver([
    stockAdjustedAt('2025-03-01T12:00:00.000Z'),
    stockAdjustedAt('2025-03-01T12:00:59.999Z'),
    stockAdjustedAt('2025-03-01T12:01:00.000Z'),
  ]);
  const rates = await queriesAt('2025-03-01T12:01:30.000Z').eventRates({ minutes: 2, types: ['StockAdjusted'] });
  t.same(rates.series, [
    { minute: '2025-03-01T12:00:00.000Z', type: 'StockAdjusted', count: 2 },
    { minute: '2025-03-01T12:01:00.000Z', type: 'StockAdjusted', count: 1 },
  ]);
});

t.test('a window covers the current minute and the ones before it, nothing older or newer', async (t) => {
  await deliver([
    stockAdjustedAt('2025-03-01T11:56:59.000Z'), // just before the window
    stockAdjustedAt('2025-03-01T11:57:00.000Z'),
    stockAdjustedAt('2025-03-01T11:59:10.000Z'),
    stockAdjustedAt('2025-03-01T11:59:50.000Z'), // later in the current minute than the clock: still this minute
    stockAdjustedAt('2025-03-01T12:00:00.000Z'), // the next minute: not in the window
  ]);
  const rates = await queriesAt('2025-03-01T11:59:30.000Z').eventRates({ minutes: 3, types: ['StockAdjusted'] });
  t.equal(rates.from, '2025-03-01T11:57:00.000Z');
  t.same(
    rates.series.map((point) => [point.minute.slice(11, 16), point.count]),
    [
      ['11:57', 1],
      ['11:59', 2],
    ],
    'the empty minute 11:58 is omitted',
  );
});

t.test('types narrows the series and sets the order of types within a minute', async (t) => {
  const events = generateHistory({ seed: 22, writes: 60, start: new Date('2025-03-01T08:00:00.000Z'), maxGapMs: 5_000 });
  await deliver(events);
  const last = Math.max(...events.map((event) => Date.parse(event.time)));
  const rates = await queriesAt(new Date(last)).eventRates({ minutes: 10, types: ['StockAdjusted', 'ProductCreated', 'StockAdjusted'] });
  const expected = foldEventCounts(events);
  const expectedSeries = [];
  for (let minute = Date.parse(rates.from); minute <= last; minute += MINUTE) {
    const iso = new Date(minute).toISOString();
    for (const type of ['StockAdjusted', 'ProductCreated']) {
      const count = expected.get(`${iso}|${type}`);
      if (count !== undefined) expectedSeries.push({ minute: iso, type, count });
    }
  }
  t.ok(expectedSeries.some((point) => point.type === 'ProductCreated'), 'the window has creations');
  t.same(rates.series, expectedSeries, 'only the requested types, in the order requested, duplicates dropped');
});

t.test('a redelivered event is not counted twice', async (t) => {
  const event = stockAdjustedAt('2025-03-01T12:00:05.000Z');
  await deliver([event, event, event]);
  const rates = await queriesAt('2025-03-01T12:00:30.000Z').eventRates({ minutes: 1, types: ['StockAdjusted'] });
  t.same(rates.series, [{ minute: '2025-03-01T12:00:00.000Z', type: 'StockAdjusted', count: 1 }]);
});

t.test('arguments outside the contract are refused with a code the API can map to 400', async (t) => {
  const queries = queriesAt('2025-03-01T12:00:00.000Z');
  const code = ANALYTICS_ERROR_CODES.invalidQuery;
  for (const minutes of [0, -1, 1.5, MAX_EVENT_RATE_MINUTES + 1, Number.NaN]) {
    await t.rejects(queries.eventRates({ minutes }), { code, field: 'minutes' }, `minutes ${minutes}`);
  }
  await t.rejects(queries.eventRates({ minutes: 5, types: ['ProductCreated', 'OrderPlaced'] }), { code, field: 'types', message: /OrderPlaced/ });
  t.equal((await queries.eventRates({ minutes: MAX_EVENT_RATE_MINUTES })).from, '2025-02-28T12:01:00.000Z', 'a whole day is accepted');
});

t.test('without minutes, the last hour; without types, every type', async (t) => {
  await deliver([stockAdjustedAt('2025-03-01T11:00:59.000Z'), stockAdjustedAt('2025-03-01T11:01:00.000Z')]);
  const rates = await queriesAt('2025-03-01T12:00:10.000Z').eventRates({ types: [] });
  t.equal(rates.from, '2025-03-01T11:01:00.000Z', '60 minutes including the current one');
  t.same(rates.series, [{ minute: '2025-03-01T11:01:00.000Z', type: 'StockAdjusted', count: 1 }]);
});
