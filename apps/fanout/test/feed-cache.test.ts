import { randomUUID } from 'node:crypto';
import { startRedis, eventually } from '@herald/stack';
import t from 'tap';
import { applyFanoutEvent, pageOf, readFeedPage, type FeedRead } from '../src/index.js';
import { cachedFanoutDeps, postCreated, postDeleted, userFollowed, userUnfollowed } from './helpers.js';

/**
 * The Redis in front of the feed table, against a real Redis (the real-stack run's, or a private
 * one for the outage) and DynamoDB Local: what a reader gets is what the table holds, whether it
 * comes from Redis, from a rebuild, or from the table while Redis is down.
 */

const redisUrl = process.env.REDIS_URL;
const skip = redisUrl ? false : 'needs Redis: run with `npm run test:stack`';

let offset = 0;
const at = () => ({ partition: 0, offset: String(++offset) });
const ids = (entries: FeedRead[]) => entries.map((entry) => entry.postId);
let clock = Date.now() - 3_600_000;
const post = (author: string, id: string) => postCreated(author, id, new Date((clock += 1_000)));

t.test('pageOf answers a page from a feed\'s newest entries only when they hold all of it', async (t) => {
  const entry = (ms: number, id: string): FeedRead => ({ position: `${new Date(ms).toISOString()}#${id}`, postId: id, authorId: 'a' });
  const newest = [entry(5000, 'e'), entry(4000, 'd'), entry(3000, 'c')];
  t.same(ids(pageOf(newest, false, { limit: 2 })!), ['e', 'd']);
  t.same(ids(pageOf(newest, false, { limit: 2, before: newest[0]!.position })!), ['d', 'c']);
  t.equal(pageOf(newest, false, { limit: 2, before: newest[1]!.position }), undefined, 'older than they reach');
  t.same(ids(pageOf(newest, true, { limit: 2, before: newest[1]!.position })!), ['c'], 'unless they are the whole feed');
  t.same(ids(pageOf(newest, false, { limit: 5, after: newest[2]!.position })!), ['d', 'e'], 'newer entries, nearest first');
  t.equal(pageOf(newest, false, { limit: 5, after: entry(1000, 'a').position }), undefined, 'above a position older than they reach');
});

t.test('with Redis: a miss rebuilds the set from the table, pushes reach it at once, deletes, unfollows and the cap hold', { skip }, async (t) => {
  const deps = await cachedFanoutDeps(t, redisUrl!, { FEED_MAX_ENTRIES: '10', FEED_TRIM_EVERY: '1' });
  const [author, reader] = [randomUUID(), randomUUID()];
  await applyFanoutEvent(userFollowed(reader, author), at(), deps);
  for (const id of ['c1', 'c2', 'c3']) await applyFanoutEvent(post(author, id), at(), deps);
  const table = async (page: { limit: number; before?: string; after?: string } = { limit: 100 }) => ids(await readFeedPage(deps.client, deps.settings.tables.feeds, reader, page));

  t.same(ids(await deps.reader.read(reader, { limit: 100 })), ['c3', 'c2', 'c1'], 'a miss: read from the table');
  t.match(deps.readerCache.stats(), { misses: 1, rebuilds: 1 }, 'and the set rebuilt');
  t.same(ids(await deps.reader.read(reader, { limit: 100 })), ['c3', 'c2', 'c1']);
  t.match(deps.readerCache.stats(), { hits: 1, rebuilds: 1 }, 'then served from Redis');

  await applyFanoutEvent(post(author, 'c4'), at(), deps);
  t.same(ids(await deps.reader.read(reader, { limit: 100 })), ['c4', 'c3', 'c2', 'c1'], 'a push is in the cached set');
  await applyFanoutEvent(postDeleted(author, 'c2'), at(), deps);
  t.same(ids(await deps.reader.read(reader, { limit: 100 })), ['c4', 'c3', 'c1'], 'a deleted post leaves it');
  t.match(deps.readerCache.stats(), { hits: 3, rebuilds: 1 }, 'all from Redis');

  // Past the cap the set keeps the newest 10, like the table; older pages come from the table.
  for (let i = 5; i <= 16; i++) await applyFanoutEvent(post(author, `c${i}`), at(), deps);
  const newest = await deps.reader.read(reader, { limit: 4 });
  t.same(ids(newest), await table({ limit: 4 }), 'the newest page');
  const second = await deps.reader.read(reader, { limit: 4, before: newest.at(-1)!.position });
  t.same(ids(second), await table({ limit: 4, before: newest.at(-1)!.position }), 'an older page');
  const deep = await deps.reader.read(reader, { limit: 4, before: second.at(-1)!.position });
  t.same(ids(deep), await table({ limit: 4, before: second.at(-1)!.position }), 'a page past the set: from the table');
  const newer = await deps.reader.read(reader, { limit: 3, after: second[0]!.position });
  t.same(ids(newer), await table({ limit: 3, after: second[0]!.position }), 'a since page');
  t.same(ids(await deps.reader.read(reader, { limit: 100 })), await table(), 'the whole feed, the same as the table');

  await applyFanoutEvent(userUnfollowed(reader, author), at(), deps);
  const before = deps.readerCache.stats().rebuilds;
  t.same(await deps.reader.read(reader, { limit: 100 }), [], 'an unfollow empties it');
  t.equal(deps.readerCache.stats().rebuilds, before + 1, 'by forgetting the set (rebuilt on the next read)');
});

t.test('with Redis: a post pushed while a reader rebuilds the set is not lost', { skip }, async (t) => {
  const deps = await cachedFanoutDeps(t, redisUrl!);
  const [author, reader] = [randomUUID(), randomUUID()];
  await applyFanoutEvent(userFollowed(reader, author), at(), deps);
  await applyFanoutEvent(post(author, 'r1'), at(), deps);

  // The push's Redis write finds no set; the reader's rebuild reads the table before the push's
  // table write lands and finishes before it: only the push's second Redis write can save it.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  deps.client.middlewareStack.add(
    (next, context) => async (args) => {
      const toReader = context.commandName === 'BatchWriteItemCommand' && JSON.stringify(args.input).includes(`feed#${reader}`);
      if (toReader && held++ === 0) await gate;
      return next(args);
    },
    { step: 'initialize', name: 'holdFirstBatchWrite' },
  );
  const pushing = applyFanoutEvent(post(author, 'r2'), at(), deps);
  await eventually(() => {
    if (held === 0) throw new Error('not yet');
  });
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['r1'], 'rebuilt before the push reached the table');
  release();
  await pushing;
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['r2', 'r1'], 'the pushed post is in the cached set');
  t.match(deps.readerCache.stats(), { rebuilds: 1, hits: 1 });
});

t.test('Redis killed mid-run: feeds stay right from the table, no stale set is served after it returns, the cache is used again', { skip, timeout: 120_000 }, async (t) => {
  // A private Redis that keeps its data across a kill: the hard case, a cache that comes back
  // with sets that miss what was written while it was away.
  const redis = await startRedis({ persistent: true });
  t.teardown(() => redis.stop());
  const deps = await cachedFanoutDeps(t, redis.url);
  const [author, reader] = [randomUUID(), randomUUID()];
  await applyFanoutEvent(userFollowed(reader, author), at(), deps);
  for (const id of ['o1', 'o2']) await applyFanoutEvent(post(author, id), at(), deps);
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['o2', 'o1']);
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['o2', 'o1']);
  t.match(deps.readerCache.stats(), { rebuilds: 1, hits: 1 }, 'cached');

  await redis.kill();
  await applyFanoutEvent(post(author, 'o3'), at(), deps);
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['o3', 'o2', 'o1'], 'Redis down: the post is read from the table');
  await applyFanoutEvent(postDeleted(author, 'o1'), at(), deps);
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['o3', 'o2'], 'and a deletion');
  t.ok(deps.cache.stats().failures > 0, 'the fan-out\'s writes missed Redis');

  await redis.start();
  await eventually(() => {
    if (deps.cache.stats().invalidations === 0) throw new Error('not invalidated yet');
  }, { timeoutMs: 20_000 });
  await eventually(async () => {
    const feed = ids(await deps.reader.read(reader, { limit: 10 }));
    if (feed.join() !== 'o3,o2') throw new Error(`feed ${feed.join()}`);
  }, { timeoutMs: 20_000 });
  t.pass('Redis back with its old set: the read rebuilds from the table (o3 there, o1 gone)');
  const { hits, rebuilds } = deps.readerCache.stats();
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['o3', 'o2']);
  t.match(deps.readerCache.stats(), { hits: hits + 1, rebuilds }, 'served from Redis again');
  await applyFanoutEvent(post(author, 'o4'), at(), deps);
  t.same(ids(await deps.reader.read(reader, { limit: 10 })), ['o4', 'o3', 'o2'], 'and pushes reach it again');
  t.equal(deps.readerCache.stats().hits, hits + 2);
});
