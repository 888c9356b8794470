import { randomUUID } from 'node:crypto';
import { createFeedCache, loadFeedSettings } from '@herald/fanout';
import { startRedis } from '@herald/stack';
import t from 'tap';
import { eventually, startTestHerald, type TestUser } from '../helpers/herald.js';

/**
 * The feed through the API with Redis in front of the feed table, and Redis killed while posts
 * keep coming: every read is a 200 with the right posts, and once Redis is back the API rebuilds
 * the set and reads it again. Real-stack run only (Debian's redis-server, a private instance).
 */

const skip = process.env.REDIS_URL ? false : 'needs Redis: run with `npm run test:stack`';

t.test('a Redis outage makes feed reads come from the table, never fail, and the cache is used again after it', { skip, timeout: 180_000 }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const env = { IN_PROCESS_CONSUMERS: 'true', REDIS_URL: redis.url, FANOUT_TABLE_PREFIX: `herald-${randomUUID().slice(0, 8)}-` };
  const herald = await startTestHerald(t, env);
  if (!(await herald.consumers)) throw new Error('the consumers did not start');
  // A connection of the test's own, to see whether the API has a set for the reader.
  const probe = createFeedCache(redis.url, { prefix: env.FANOUT_TABLE_PREFIX, maxEntries: loadFeedSettings(env).feedMaxEntries, ttlSeconds: 60 });
  t.teardown(() => probe.close());
  const cached = async (user: TestUser) => (await probe.read(user.id, { limit: 100 }).catch(() => undefined))?.map((entry) => entry.postId);

  const [reader, author] = [await herald.signUp(), await herald.signUp()];
  const follow = await herald.request({ method: 'PUT', url: `/api/v1/me/following/${author.id}`, as: reader.accessToken });
  t.equal(follow.statusCode, 204);
  const post = async (content: string) => {
    const response = await herald.request({ method: 'POST', url: '/api/v1/posts', as: author.accessToken, body: { content } });
    t.equal(response.statusCode, 201);
    return (response.json() as { id: string }).id;
  };
  const feedIs = (expected: string[]) =>
    eventually(async () => {
      const response = await herald.request({ method: 'GET', url: '/api/v1/feed?limit=100', as: reader.accessToken });
      if (response.statusCode !== 200) throw new Error(`feed: ${response.statusCode} ${response.body}`);
      const ids = (response.json() as { items: Array<{ id: string }> }).items.map((item) => item.id);
      return JSON.stringify(ids) === JSON.stringify(expected);
    }, 30_000, 50);

  // Posts made before the follow's event is handled are backfilled; either way the feed gets them.
  const first = await post('before the outage');
  t.ok(await feedIs([first]), 'the post is in the feed');
  t.same(await cached(reader), [first], 'read through a set the API rebuilt in Redis');

  await redis.kill();
  const second = await post('during the outage');
  t.ok(await feedIs([second, first]), 'Redis down: the feed is read from the table, a 200 with the new post');

  await redis.start();
  const third = await post('after the outage');
  t.ok(await feedIs([third, second, first]), 'Redis back: the feed is right');
  // The fan-out invalidates every set written before the outage when its connection is back
  // (which may come after a read rebuilt one): reads go on until the reader's set holds all three.
  await eventually(async () => (await feedIs([third, second, first])) && JSON.stringify(await cached(reader)) === JSON.stringify([third, second, first]), 30_000, 50);
  t.same(await cached(reader), [third, second, first], 'and read from a set again, rebuilt with every post');
});
