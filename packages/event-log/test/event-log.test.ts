import t from 'tap';
import { compareEvents } from '../src/index.js';
import { collect, freshEventLog, productCreated, productDeleted } from './helpers.js';

const HOUR = 3_600_000;
const ids = (items: { event: { id: string } }[]) => items.map((item) => item.event.id);

t.test('a second append of the same event writes nothing', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const event = productCreated(new Date());
  t.equal(await eventLog.append(event), 'written');
  t.equal(await eventLog.append(event), 'duplicate', 'a redelivery is reported as a duplicate');
  t.equal(await eventLog.append(event, new Date(Date.now() + 5000)), 'duplicate', 'even with another logged-at time');
  const stored = await eventLog.get(event.id);
  t.same(stored?.event, event, 'the stored event is the CloudEvent as delivered');
  const all = await collect(eventLog.olderThan(new Date(Date.now() + HOUR)));
  t.equal(all.flat().length, 1, 'exactly one item exists');
  t.equal(await eventLog.get('00000000-0000-7000-8000-000000000000'), undefined);
});

t.test('after() returns events logged strictly after the given one, in log order, across hours', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const now = Date.now();
  // Logged in an order different from their event times, over three log hours.
  const plan = [
    { at: now - 3 * HOUR, event: productCreated(new Date(now - 10 * HOUR)) },
    { at: now - 3 * HOUR + 1, event: productCreated(new Date(now - 9 * HOUR)) },
    { at: now - 2 * HOUR, event: productDeleted(new Date(now - 11 * HOUR)) },
    { at: now - 5_000, event: productCreated(new Date(now - 6_000)) },
    { at: now - 4_000, event: productCreated(new Date(now - 5_000)) },
  ];
  for (const { at, event } of [...plan].reverse()) await eventLog.append(event, new Date(at));
  const logOrder = plan.map((p) => p.event.id);

  t.same(ids((await eventLog.after(logOrder[0]!))!), logOrder.slice(1), 'everything after the first, in log order');
  t.same(ids((await eventLog.after(logOrder[2]!))!), logOrder.slice(3));
  t.same(await eventLog.after(logOrder[4]!), [], 'nothing after the newest');
  t.same(ids((await eventLog.after(logOrder[0]!, { limit: 2 }))!), logOrder.slice(1, 3), 'limit counts across hours');
  t.equal(await eventLog.after('00000000-0000-7000-8000-000000000000'), undefined, 'an id not in the log cannot be resumed from');
  const after = await eventLog.after(logOrder[3]!);
  t.same(after?.[0]?.loggedAt, new Date(plan[4]!.at), 'each entry carries when it was logged');
});

t.test('byType returns the events of one type in event-time order within [from, to)', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const base = Date.parse('2025-03-01T10:00:00.000Z');
  const created = [0, 1, 2, 3, 4].map((i) => productCreated(new Date(base + i * 20 * 60_000)));
  const deleted = [productDeleted(new Date(base + 30 * 60_000))];
  // Same time, two ids: the id breaks the tie.
  const twin = productCreated(new Date(base + 40 * 60_000));
  for (const event of [...created, ...deleted, twin].reverse()) await eventLog.append(event);

  const all = await eventLog.byType('ProductCreated');
  t.same(ids(all), [...created, twin].sort(compareEvents).map((e) => e.id), 'in (time, id) order');
  const window = await eventLog.byType('ProductCreated', { from: new Date(base + 20 * 60_000), to: new Date(base + 60 * 60_000) });
  t.same(ids(window), [created[1]!, created[2]!, twin].sort(compareEvents).map((e) => e.id), 'from inclusive, to exclusive');
  t.same(ids(await eventLog.byType('ProductCreated', { limit: 2 })), ids(all).slice(0, 2));
  t.same(ids(await eventLog.byType('ProductDeleted')), [deleted[0]!.id]);
  t.same(await eventLog.byType('StockAdjusted'), []);
});

t.test('range returns every type in (time, id) order across hours, half-open', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const base = Date.parse('2025-03-01T10:30:00.000Z');
  const events = [0, 20, 40, 60, 80, 100, 120].map((m, i) =>
    i % 2 ? productDeleted(new Date(base + m * 60_000)) : productCreated(new Date(base + m * 60_000)),
  );
  for (const event of [...events].reverse()) await eventLog.append(event);

  const from = new Date(base + 20 * 60_000);
  const to = new Date(base + 120 * 60_000);
  const got = await collect(eventLog.range({ from, to }));
  t.same(ids(got), events.slice(1, 6).map((e) => e.id));
  const deletedOnly = await collect(eventLog.range({ from, to, type: 'ProductDeleted' }));
  t.same(ids(deletedOnly), events.filter((_, i) => i % 2 && i >= 1 && i < 6).map((e) => e.id));
  t.same(await collect(eventLog.range({ from: to, to: from })), [], 'an empty range');
});

t.test('olderThan pages the events logged before the cutoff, and remove deletes them', async (t) => {
  const { eventLog } = await freshEventLog(t);
  const now = Date.now();
  const old = Array.from({ length: 30 }, (_, i) => productCreated(new Date(now - 5 * HOUR + i)));
  const recent = Array.from({ length: 3 }, (_, i) => productCreated(new Date(now - 1000 + i)));
  for (const [i, event] of old.entries()) await eventLog.append(event, new Date(now - 3 * HOUR + i * 60_000));
  for (const event of recent) await eventLog.append(event, new Date(now));
  const cutoff = new Date(now - HOUR);

  const scanned = await collect(eventLog.olderThan(cutoff, { pageSize: 7 }));
  t.same(new Set(ids(scanned.flat())), new Set(old.map((e) => e.id)), 'a scan finds exactly the old ones');
  t.ok(scanned.every((page) => page.length > 0 && page.length <= 7), 'in non-empty pages of at most pageSize');

  const queried = await collect(eventLog.olderThan(cutoff, { since: new Date(now - 4 * HOUR), pageSize: 7 }));
  t.same(new Set(ids(queried.flat())), new Set(old.map((e) => e.id)), 'so does reading log hours from `since`');

  await eventLog.remove([...old.map((e) => e.id), old[0]!.id, '00000000-0000-7000-8000-000000000000']);
  t.same(await collect(eventLog.olderThan(cutoff)), [], 'removed');
  t.equal((await collect(eventLog.olderThan(new Date(now + HOUR)))).flat().length, recent.length, 'the recent ones stay');
});

t.test('a lease is held by one holder at a time until it expires', async (t) => {
  const { eventLog } = await freshEventLog(t);
  t.equal(await eventLog.acquireLease('archiver', 'a', 60_000), true);
  t.equal(await eventLog.acquireLease('archiver', 'a', 60_000), true, 'the holder renews it');
  t.equal(await eventLog.acquireLease('archiver', 'b', 60_000), false, 'another holder is refused');
  await eventLog.releaseLease('archiver', 'b');
  t.equal(await eventLog.acquireLease('archiver', 'b', 60_000), false, 'releasing someone else’s lease does nothing');
  await eventLog.releaseLease('archiver', 'a');
  t.equal(await eventLog.acquireLease('archiver', 'b', 1), true, 'a released lease can be taken');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(await eventLog.acquireLease('archiver', 'c', 60_000), true, 'an expired lease can be taken');
  t.equal(await eventLog.get('lease#archiver'), undefined, 'leases are not events');
  t.same(await collect(eventLog.olderThan(new Date(Date.now() + HOUR))), [], 'nor are they archived');
});
