import t from 'tap';
import { RingBuffer } from '../../src/lib/ring-buffer.js';

t.test('keeps the last `capacity` items, oldest first', async (t) => {
  const ring = new RingBuffer<number>(3);
  t.same(ring.toArray(), [], 'empty at first');
  ring.push(1);
  ring.push(2);
  t.same(ring.toArray(), [1, 2], 'below capacity: everything, in order');
  ring.push(3);
  ring.push(4);
  ring.push(5);
  t.same(ring.toArray(), [3, 4, 5], 'over capacity: the oldest are gone');
  t.equal(ring.size, 3);
  for (let i = 6; i <= 10; i++) ring.push(i);
  t.same(ring.toArray(), [8, 9, 10], 'still in order after wrapping round several times');
});

t.test('what toArray returns is a copy', async (t) => {
  const ring = new RingBuffer<number>(2);
  ring.push(1);
  const copy = ring.toArray();
  ring.push(2);
  ring.push(3);
  t.same(copy, [1]);
});

t.test('a capacity of 0 keeps nothing; a negative or fractional one is refused', async (t) => {
  const ring = new RingBuffer<number>(0);
  ring.push(1);
  t.same(ring.toArray(), []);
  t.throws(() => new RingBuffer(-1), RangeError);
  t.throws(() => new RingBuffer(1.5), RangeError);
});
