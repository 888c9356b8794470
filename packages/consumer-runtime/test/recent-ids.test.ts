import t from 'tap';
import { createRecentIds } from '../src/recent-ids.js';

t.test('the least recently seen id is forgotten first once the capacity is reached', async (t) => {
  const ids = createRecentIds(2);
  ids.add('a');
  ids.add('b');
  t.ok(ids.has('a'), 'a hit makes a the most recent');
  ids.add('c');
  t.ok(ids.has('a'));
  t.notOk(ids.has('b'), 'b was the least recent');
  t.ok(ids.has('c'));
  t.equal(ids.size, 2);
});

t.test('a capacity of 0 remembers nothing', async (t) => {
  const ids = createRecentIds(0);
  ids.add('a');
  t.notOk(ids.has('a'));
  t.equal(ids.size, 0);
});

t.test('over many hits, adds and evictions it remembers exactly what a plain least-recently-used list would', async (t) => {
  const capacity = 50;
  const ids = createRecentIds(capacity);
  const reference: string[] = []; // least recent first
  let seed = 7;
  const random = (n: number) => ((seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) >>> 8) % n;
  let mismatches = 0;
  for (let step = 0; step < 20_000; step++) {
    const id = `e${random(120)}`;
    const at = reference.indexOf(id);
    if (ids.has(id) !== at >= 0) mismatches++;
    if (at >= 0) reference.splice(at, 1);
    reference.push(id);
    if (reference.length > capacity) reference.shift();
    if (at < 0) ids.add(id);
  }
  t.equal(mismatches, 0, 'every has() answered as the reference did');
  t.equal(ids.size, capacity);
  t.ok(reference.every((id) => ids.has(id)), 'and it holds the same ids at the end');
});
