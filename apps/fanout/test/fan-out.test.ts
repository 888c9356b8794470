import { randomUUID } from 'node:crypto';
import t from 'tap';
import { applyFanoutEvent, readFeedPage, type FanoutDeps } from '../src/index.js';
import { countItems, fanoutDeps, postCreated, postDeleted, userFollowed, userUnfollowed } from './helpers.js';

/** The fan-out's handlers against DynamoDB (dynalite, or DynamoDB Local on the real-stack run). */

let offset = 0;
/** Each event at the next position of one partition, as the broker would deliver them. */
const at = () => ({ partition: 0, offset: String(++offset) });
const feedOf = async (deps: FanoutDeps & { client: Parameters<typeof readFeedPage>[0] }, userId: string) =>
  (await readFeedPage(deps.client, deps.settings.tables.feeds, userId, { limit: 1000 })).map((entry) => entry.postId);

t.test('a fan-out that stops midway and is delivered again writes each feed entry once', async (t) => {
  const deps = await fanoutDeps(t, { FANOUT_BATCH_SIZE: '500', FEED_TRIM_EVERY: '1000' });
  const author = randomUUID();
  const followers = Array.from({ length: 1100 }, () => randomUUID());
  for (let i = 0; i < followers.length; i += 50) {
    await Promise.all(followers.slice(i, i + 50).map((follower) => deps.graph.addEdge(author, follower, new Date().toISOString())));
  }
  const post = postCreated(author, 'p-crash', new Date());

  // Three batches of followers; the store fails on the second, as a crash would.
  let pushes = 0;
  const crashing: FanoutDeps = {
    ...deps,
    feeds: { ...deps.feeds, push: async (entries, signal) => (++pushes === 3 ? Promise.reject(new Error('crash')) : deps.feeds.push(entries, signal)) },
  };
  await t.rejects(applyFanoutEvent(post, at(), crashing), { message: 'crash' });
  const partial = await countItems(deps.client, deps.settings.tables.feeds);
  t.ok(partial > 1 && partial < 1101, `written before the crash: ${partial}`);

  await applyFanoutEvent(post, at(), deps);
  await applyFanoutEvent(post, at(), deps);
  t.equal(await countItems(deps.client, deps.settings.tables.feeds), 1101, 'one entry per follower and one in the author\'s feed, after two redeliveries');
  for (const follower of [followers[0]!, followers[777]!, followers.at(-1)!]) t.same(await feedOf(deps, follower), ['p-crash']);
});

t.test('a follow is counted once however often it is delivered, backfills, and an unfollow takes the posts out', async (t) => {
  const deps = await fanoutDeps(t);
  const author = randomUUID();
  const reader = randomUUID();
  const base = Date.now() - 60_000;
  for (let i = 0; i < 3; i++) await applyFanoutEvent(postCreated(author, `b${i}`, new Date(base + i)), at(), deps);

  const follow = userFollowed(reader, author);
  const position = at();
  await applyFanoutEvent(follow, position, deps);
  await applyFanoutEvent(follow, position, deps);
  t.equal(await deps.graph.followerCount(author), 1, 'a redelivered follow is not counted again');
  t.same(await feedOf(deps, reader), ['b2', 'b1', 'b0'], 'backfilled, newest first');

  await applyFanoutEvent(postCreated(author, 'b3', new Date(base + 3)), at(), deps);
  t.same(await feedOf(deps, reader), ['b3', 'b2', 'b1', 'b0'], 'pushed');
  await applyFanoutEvent(postDeleted(author, 'b1'), at(), deps);
  t.same(await feedOf(deps, reader), ['b3', 'b2', 'b0'], 'a deleted post leaves the feed');
  t.same(await feedOf(deps, author), ['b3', 'b2', 'b0'], 'and the author\'s own');
  t.same((await deps.authorPosts.recent(author, 10)).map((post) => post.postId), ['b3', 'b2', 'b0'], 'and the author\'s posts');

  await applyFanoutEvent(userUnfollowed(reader, author), at(), deps);
  t.same(await feedOf(deps, reader), [], 'unfollowing removes the author\'s posts');
  t.equal(await deps.graph.followerCount(author), 0);
});

t.test('a celebrity is not pushed; falling below the threshold pushes their recent posts', async (t) => {
  const deps = await fanoutDeps(t, { FANOUT_CELEBRITY_THRESHOLD: '2' });
  const star = randomUUID();
  const [fan1, fan2] = [randomUUID(), randomUUID()];
  await applyFanoutEvent(userFollowed(fan1, star), at(), deps);
  await applyFanoutEvent(userFollowed(fan2, star), at(), deps);
  await applyFanoutEvent(postCreated(star, 's1', new Date()), at(), deps);
  t.same(await feedOf(deps, fan1), [], 'not pushed to followers (merged at read time)');
  t.same(await feedOf(deps, star), ['s1'], 'in the celebrity\'s own feed');

  await applyFanoutEvent(userUnfollowed(fan2, star), at(), deps);
  t.same(await feedOf(deps, fan1), ['s1'], 'below the threshold: recent posts pushed to the remaining followers');
  t.same(await feedOf(deps, fan2), []);
});

t.test('a feed keeps its newest FEED_MAX_ENTRIES entries', async (t) => {
  const deps = await fanoutDeps(t, { FEED_MAX_ENTRIES: '10', FEED_TRIM_EVERY: '1' });
  const author = randomUUID();
  const base = Date.now() - 60_000;
  for (let i = 0; i < 15; i++) await applyFanoutEvent(postCreated(author, `t${String(i).padStart(2, '0')}`, new Date(base + i)), at(), deps);
  const feed = await feedOf(deps, author);
  t.same(feed, Array.from({ length: 10 }, (_, i) => `t${String(14 - i).padStart(2, '0')}`));
});
