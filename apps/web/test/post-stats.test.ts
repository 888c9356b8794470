import t from 'tap';
import type { PostStatsAnswer } from '../src/api/client.js';
import type { PostStats } from '../src/api/types.js';
import { createPostStatsTracker, type PostStatsOptions, type StatsView } from '../src/state/post-stats.js';
import { createFakeTimers } from './helpers/fake-timers.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function stats(postId: string, version: number, words = 3): PostStats {
  return { post_id: postId, post_version: version, word_count: words, avg_word_length: 6.67, char_count: 29 };
}

function setup(overrides: Partial<PostStatsOptions> = {}) {
  const timers = createFakeTimers();
  const requests: Array<{ id: string; resolve(answer: PostStatsAnswer): void; reject(error: Error): void }> = [];
  let views: ReadonlyMap<string, StatsView> = new Map();
  const tracker = createPostStatsTracker({
    fetchStats: (id) => new Promise((resolve, reject) => requests.push({ id, resolve, reject })),
    onChange: (next) => (views = next),
    timers,
    retryMs: 1000,
    maxRetryMs: 8000,
    maxAttempts: 4,
    ...overrides,
  });
  const state = (id: string) => views.get(id)?.state;
  return { tracker, timers, requests, state, views: () => views };
}

t.test('202 shows "computing" and asks again after Retry-After; then the figures', async (t) => {
  const { tracker, timers, requests, state, views } = setup();
  tracker.track([{ id: 'a', version: 1 }]);
  t.equal(state('a'), 'loading');
  requests[0]!.resolve({ state: 'computing', retryAfterSeconds: 3 });
  await settle();
  t.equal(state('a'), 'computing');
  timers.advance(2999);
  t.equal(requests.length, 1, 'not before Retry-After');
  timers.advance(1);
  t.equal(requests.length, 2);
  requests[1]!.resolve({ state: 'computing', retryAfterSeconds: 1 });
  await settle();
  t.same(timers.pending(), [2000], 'then a growing wait when Retry-After is shorter');
  timers.advance(2000);
  requests[2]!.resolve({ state: 'ready', stats: stats('a', 1) });
  await settle();
  t.same(views().get('a'), { state: 'ready', stats: stats('a', 1) });
  t.same(timers.pending(), [], 'nothing more asked');
});

t.test('404 and other errors show nothing and are not asked again', async (t) => {
  const { tracker, timers, requests, state } = setup();
  tracker.track([
    { id: 'missing', version: 1 },
    { id: 'broken', version: 1 },
    { id: 'offline', version: 1 },
  ]);
  requests[0]!.resolve({ state: 'unavailable', status: 404 });
  requests[1]!.resolve({ state: 'unavailable', status: 500 });
  requests[2]!.reject(new TypeError('Failed to fetch'));
  await settle();
  t.same([state('missing'), state('broken'), state('offline')], ['none', 'none', 'none']);
  timers.advance(60_000);
  t.equal(requests.length, 3);
  tracker.track([
    { id: 'missing', version: 1 },
    { id: 'broken', version: 1 },
    { id: 'offline', version: 1 },
  ]);
  t.equal(requests.length, 3, 'the same versions: not asked again');
});

t.test('figures of an older version are not shown: computing, asked again with a growing wait, a bounded number of times', async (t) => {
  const { tracker, timers, requests, state } = setup();
  tracker.track([{ id: 'a', version: 3 }]);
  requests[0]!.resolve({ state: 'ready', stats: stats('a', 2) });
  await settle();
  t.equal(state('a'), 'computing');
  t.same(timers.pending(), [1000]);
  timers.advance(1000);
  requests[1]!.resolve({ state: 'computing', retryAfterSeconds: undefined });
  await settle();
  t.same(timers.pending(), [2000], 'twice the wait when the API does not say');
  timers.advance(2000);
  requests[2]!.resolve({ state: 'computing', retryAfterSeconds: undefined });
  await settle();
  timers.advance(4000);
  requests[3]!.resolve({ state: 'computing', retryAfterSeconds: undefined });
  await settle();
  t.equal(requests.length, 4);
  t.same(timers.pending(), [], 'gives up after maxAttempts');
  t.equal(state('a'), 'computing');
});

t.test('an edit asks for the new version\'s figures; a post no longer shown is dropped', async (t) => {
  const { tracker, timers, requests, state } = setup();
  tracker.track([{ id: 'a', version: 1 }, { id: 'b', version: 1 }]);
  requests[0]!.resolve({ state: 'ready', stats: stats('a', 1) });
  requests[1]!.resolve({ state: 'computing', retryAfterSeconds: 5 });
  await settle();
  tracker.track([{ id: 'a', version: 2 }]);
  t.equal(state('a'), 'computing', 'the figures of version 1 no longer hold');
  t.equal(state('b'), undefined, 'b is not shown any more');
  t.same(requests.map((r) => r.id), ['a', 'b', 'a']);
  timers.advance(10_000);
  t.equal(requests.length, 3, 'b is not asked again');
  requests[2]!.resolve({ state: 'ready', stats: stats('a', 2, 5) });
  await settle();
  t.equal(state('a'), 'ready');
});

t.test('an answer for a version no longer shown is dropped', async (t) => {
  const { tracker, requests, state } = setup();
  tracker.track([{ id: 'a', version: 1 }]);
  tracker.track([{ id: 'a', version: 2 }]);
  requests[0]!.resolve({ state: 'ready', stats: stats('a', 1) });
  await settle();
  t.equal(state('a'), 'loading');
  requests[1]!.resolve({ state: 'ready', stats: stats('a', 2) });
  await settle();
  t.equal(state('a'), 'ready');
});

t.test('at most maxConcurrent requests at a time', async (t) => {
  const { tracker, requests } = setup({ maxConcurrent: 2 });
  tracker.track(['a', 'b', 'c', 'd'].map((id) => ({ id, version: 1 })));
  t.equal(requests.length, 2);
  requests[0]!.resolve({ state: 'unavailable', status: 404 });
  await settle();
  t.equal(requests.length, 3);
});
