import t from 'tap';
import { createBackoff, sleep } from '../src/backoff.js';

t.test('the wait doubles with every try, stays within half and all of it, and is capped', async (t) => {
  const lowest = createBackoff(100, 1000, () => 0);
  const highest = createBackoff(100, 1000, () => 1);
  t.same(
    [1, 2, 3, 4, 5, 6, 100].map((attempt) => lowest.delayAfter(attempt)),
    [50, 100, 200, 400, 500, 500, 500],
  );
  t.same(
    [1, 2, 3, 4, 5, 6, 100].map((attempt) => highest.delayAfter(attempt)),
    [100, 200, 400, 800, 1000, 1000, 1000],
  );
  const late = createBackoff(100, 1000).delayAfter(10_000);
  t.ok(late >= 500 && late <= 1000, `huge attempt numbers stay within the cap (${late} ms)`);
});

t.test('an aborted signal ends a sleep at once', async (t) => {
  const controller = new AbortController();
  const startedAt = Date.now();
  setTimeout(() => controller.abort(), 10);
  await sleep(60_000, controller.signal);
  t.ok(Date.now() - startedAt < 1000);
});
