import t from 'tap';
import { createBatcher } from '../src/stream/batcher.js';
import { createRefresher } from '../src/state/refresher.js';
import { createFakeTimers } from './helpers/fake-timers.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

t.test('a burst of requests costs one load, `delayMs` after the first', async (t) => {
  const timers = createFakeTimers();
  let loads = 0;
  const refresher = createRefresher(async () => void loads++, 400, timers);
  for (let i = 0; i < 10; i++) refresher.request();
  timers.advance(399);
  t.equal(loads, 0);
  timers.advance(1);
  await settle();
  t.equal(loads, 1);
});

t.test('a steady flow of requests still loads every `delayMs`', async (t) => {
  const timers = createFakeTimers();
  let loads = 0;
  const refresher = createRefresher(async () => void loads++, 400, timers);
  for (let ms = 0; ms < 2000; ms += 100) {
    refresher.request();
    timers.advance(100);
    await settle();
  }
  t.equal(loads, 5);
});

t.test('loads never overlap, and a request during a load causes one more load after it', async (t) => {
  const timers = createFakeTimers();
  let running = 0;
  let maxRunning = 0;
  let loads = 0;
  let finish: () => void = () => {};
  const refresher = createRefresher(() => {
    loads++;
    running++;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<void>((resolve) => {
      finish = () => {
        running--;
        resolve();
      };
    });
  }, 100, timers);
  refresher.now();
  await settle();
  refresher.request();
  timers.advance(100);
  refresher.request();
  timers.advance(100);
  await settle();
  t.equal(loads, 1, 'still the first load');
  finish();
  await settle();
  t.equal(loads, 2, 'one more load, for both requests');
  finish();
  await settle();
  t.equal(loads, 2);
  t.equal(maxRunning, 1);
});

t.test('a failed load does not stop later ones', async (t) => {
  const timers = createFakeTimers();
  let loads = 0;
  const refresher = createRefresher(async () => {
    loads++;
    throw new Error('API down');
  }, 10, timers);
  refresher.now();
  await settle();
  refresher.now();
  await settle();
  t.equal(loads, 2);
});

t.test('after stop nothing loads', async (t) => {
  const timers = createFakeTimers();
  let loads = 0;
  const refresher = createRefresher(async () => void loads++, 10, timers);
  refresher.request();
  refresher.stop();
  timers.advance(100);
  refresher.request();
  refresher.now();
  await settle();
  t.equal(loads, 0);
});

t.test('the batcher hands over what arrived within its interval, in order', async (t) => {
  const timers = createFakeTimers();
  const batches: number[][] = [];
  const batcher = createBatcher<number>((items) => batches.push(items), 100, timers);
  batcher.push(1);
  batcher.push(2);
  timers.advance(100);
  batcher.push(3);
  timers.advance(50);
  batcher.flush();
  batcher.push(4);
  batcher.cancel();
  timers.advance(1000);
  t.same(batches, [[1, 2], [3]], 'flush hands over early; cancel drops');
});
