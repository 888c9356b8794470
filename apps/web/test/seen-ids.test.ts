import t from 'tap';
import { createSeenIds } from '../src/stream/seen-ids.js';

t.test('an id seen before is reported as a duplicate', async (t) => {
  const seen = createSeenIds(10);
  t.equal(seen.add('a'), true);
  t.equal(seen.add('b'), true);
  t.equal(seen.add('a'), false);
  t.equal(seen.size, 2);
});

t.test('only the last `capacity` ids are remembered, oldest forgotten first', async (t) => {
  const seen = createSeenIds(3);
  for (const id of ['1', '2', '3', '4']) seen.add(id);
  t.equal(seen.size, 3);
  t.equal(seen.has('1'), false, 'the oldest is forgotten');
  t.equal(seen.has('4'), true);
  t.equal(seen.add('2'), false, 'a remembered id is still a duplicate');
});

t.test('memory stays flat over many events', async (t) => {
  const seen = createSeenIds(100);
  for (let i = 0; i < 10_000; i++) seen.add(String(i));
  t.equal(seen.size, 100);
});

t.test('a capacity that is not a positive integer is refused', async (t) => {
  t.throws(() => createSeenIds(0), RangeError);
  t.throws(() => createSeenIds(1.5), RangeError);
});
