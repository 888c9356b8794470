import t from 'tap';
import { backoffDelay, defaultBackoff } from '../src/stream/backoff.js';

const noJitter = { ...defaultBackoff, jitter: 0 };

t.test('delays double from the initial delay up to the cap', async (t) => {
  const options = { initialMs: 500, maxMs: 5000, factor: 2, jitter: 0 };
  t.same(
    [0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options)),
    [500, 1000, 2000, 4000, 5000, 5000, 5000],
  );
});

t.test('jitter only shortens a delay, by at most its fraction', async (t) => {
  const options = { initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.2 };
  t.equal(backoffDelay(0, options, () => 0), 1000);
  t.equal(backoffDelay(0, options, () => 0.999_999), 800);
  t.equal(backoffDelay(10, options, () => 0), 30_000, 'the cap holds with jitter');
});

t.test('a huge attempt number stays at the cap', async (t) => {
  t.equal(backoffDelay(10_000, noJitter), noJitter.maxMs);
});

t.test('a negative or fractional attempt counts as the first', async (t) => {
  t.equal(backoffDelay(-3, noJitter), noJitter.initialMs);
  t.equal(backoffDelay(0.7, noJitter), noJitter.initialMs);
});
