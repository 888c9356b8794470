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
