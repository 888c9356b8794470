import t from 'tap';
import { startInTurn } from '../../src/consumers/start-in-turn.js';

/** A module whose start fails `failures` times, then gives its name. */
function flaky(name: string, failures: number, calls: string[]) {
  let left = failures;
  return {
    name,
    async start() {
      calls.push(name);
      if (left-- > 0) throw new Error(`${name} not yet`);
      return name;
    },
  };
}

t.test('a module that cannot start yet is tried again after a doubling delay; those already running are kept', async (t) => {
  const calls: string[] = [];
  const retries: Array<[string, string, number]> = [];
  const running: string[] = [];
  const all = await startInTurn([flaky('notifier', 0, calls), flaky('analytics', 3, calls), flaky('fanout', 1, calls)], {
    running,
    initialDelayMs: 2,
    maxDelayMs: 5,
    signal: new AbortController().signal,
    onRetry: (name, error, delay) => retries.push([name, (error as Error).message, delay]),
  });
  t.equal(all, true);
  t.same(running, ['notifier', 'analytics', 'fanout']);
  t.same(calls, ['notifier', 'analytics', 'analytics', 'analytics', 'analytics', 'fanout', 'fanout'], 'a started module is never started again');
  t.same(retries, [
    ['analytics', 'analytics not yet', 2],
    ['analytics', 'analytics not yet', 4],
    ['analytics', 'analytics not yet', 5],
    ['fanout', 'fanout not yet', 2],
  ], 'the delay doubles up to its maximum and starts over for the next module');
});

t.test('stopping ends a long wait at once and leaves the rest unstarted', async (t) => {
  const calls: string[] = [];
  const running: string[] = [];
  const stop = new AbortController();
  const began = Date.now();
  const result = startInTurn([flaky('notifier', 0, calls), flaky('analytics', 100, calls), flaky('fanout', 0, calls)], {
    running,
    initialDelayMs: 60_000,
    maxDelayMs: 60_000,
    signal: stop.signal,
    onRetry: () => setImmediate(() => stop.abort()),
  });
  t.equal(await result, false);
  t.ok(Date.now() - began < 5_000, 'did not sit out the delay');
  t.same(running, ['notifier']);
  t.same(calls, ['notifier', 'analytics']);
});
