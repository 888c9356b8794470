import { randomUUID } from 'node:crypto';
import { createEventLogClient } from '@herald/event-log';
import { createFollowGraph, loadFeedSettings, readFeedPage } from '@herald/fanout';
import t from 'tap';
import { eventually, startTestHerald, type TestUser } from '../helpers/herald.js';

/**
 * News feeds end to end: the API writes follows and posts, the fan-out (in the consumer thread)
 * builds the feeds from their events, GET /api/v1/feed reads them merged with celebrities' posts.
 * Celebrities here are users with 3 followers or more.
 */

const env = { IN_PROCESS_CONSUMERS: 'true', FANOUT_CELEBRITY_THRESHOLD: '3', FANOUT_TABLE_PREFIX: `herald-${randomUUID().slice(0, 8)}-` };
const herald = await startTestHerald(t, env);
const thread = await herald.consumers;
if (!thread) throw new Error('the consumers did not start');
const settings = loadFeedSettings(env);
const dynamodb = createEventLogClient({
  endpoint: (await thread.stores).dynamodbEndpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
});
t.teardown(() => dynamodb.destroy());
const graph = createFollowGraph(dynamodb, settings.tables.followGraph);

interface Page {
  items: Array<{ id: string; content: string; author: { id: string; handle: string; display_name: string } }>;
  next_max_id: string | null;
  newer_since_id: string | null;
}

const feed = async (user: TestUser, query = '') => {
  const response = await herald.request({ method: 'GET', url: `/api/v1/feed${query}`, as: user.accessToken });
  if (response.statusCode !== 200) throw new Error(`feed: ${response.statusCode} ${response.body}`);
  return response.json() as Page;
};
const ids = async (user: TestUser, query = '?limit=100') => (await feed(user, query)).items.map((item) => item.id);
/** The post ids in the user's feed partition (what the fan-out wrote), newest first. */
const pushed = async (user: TestUser) => (await readFeedPage(dynamodb, settings.tables.feeds, user.id, { limit: 1000 })).map((entry) => entry.postId);
const followRequest = async (method: 'PUT' | 'DELETE', follower: TestUser, followee: TestUser) => {
  const response = await herald.request({ method, url: `/api/v1/me/following/${followee.id}`, as: follower.accessToken });
  if (response.statusCode !== 204) throw new Error(`${method} following: ${response.statusCode} ${response.body}`);
};
const follow = (follower: TestUser, followee: TestUser) => followRequest('PUT', follower, followee);
const unfollow = (follower: TestUser, followee: TestUser) => followRequest('DELETE', follower, followee);
let lastCreated = 0;
const post = async (author: TestUser, content: string): Promise<string> => {
  // One post per millisecond at least, so that the expected order is the creation order.
  while (Date.now() <= lastCreated) await new Promise((resolve) => setTimeout(resolve, 1));
  lastCreated = Date.now();
  const response = await herald.request({ method: 'POST', url: '/api/v1/posts', as: author.accessToken, body: { content } });
  if (response.statusCode !== 201) throw new Error(`post: ${response.statusCode} ${response.body}`);
  return (response.json() as { id: string }).id;
};
const same = async (check: () => Promise<string[]>, expected: string[]) => {
  let last: string[] = [];
  await eventually(async () => {
    last = await check();
    return JSON.stringify(last) === JSON.stringify(expected);
  }).catch(() => {});
  return last;
};
/** `count` new users (a tuple long enough to destructure). */
const users = async (count: number) => (await Promise.all(Array.from({ length: count }, () => herald.signUp()))) as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
/** Waits until the fan-out has counted `count` followers of `user`. */
const counted = (user: TestUser, count: number) => eventually(async () => (await graph.followerCount(user.id)) === count);

t.test('a follower sees a new post, an unfollow removes it, a follow backfills', async (t) => {
  const [reader, author] = [await herald.signUp(), await herald.signUp()];
  await follow(reader, author);
  await counted(author, 1);
  const first = await post(author, 'hello followers');
  t.same(await same(() => ids(reader), [first]), [first], 'the follower sees the post');
  const page = await feed(reader);
  t.match(page.items[0], { id: first, content: 'hello followers', author: { id: author.id, handle: author.handle } });
  t.same(await ids(author), [first], 'and so does its author');

  await unfollow(reader, author);
  t.same(await ids(reader), [], 'gone from the feed at once');
  t.same(await same(() => pushed(reader), []), [], 'and from the feed partition');

  const second = await post(author, 'while not followed');
  await follow(reader, author);
  t.same(await same(() => pushed(reader), [second, first]), [second, first], 'a follow backfills the recent posts');
  t.same(await ids(reader), [second, first]);
});

t.test('an edited post shows its new content, a deleted one disappears', async (t) => {
  const [reader, author] = [await herald.signUp(), await herald.signUp()];
  await follow(reader, author);
  await counted(author, 1);
  const kept = await post(author, 'before');
  const deleted = await post(author, 'to be deleted');
  t.same(await same(() => ids(reader), [deleted, kept]), [deleted, kept]);

  const edit = await herald.request({ method: 'PATCH', url: `/api/v1/posts/${kept}`, as: author.accessToken, headers: { 'if-match': '"1"' }, body: { content: 'after' } });
  t.equal(edit.statusCode, 200);
  t.match((await feed(reader)).items.find((item) => item.id === kept), { content: 'after' }, 'the current content');

  t.equal((await herald.request({ method: 'DELETE', url: `/api/v1/posts/${deleted}`, as: author.accessToken })).statusCode, 204);
  t.same(await ids(reader), [kept], 'a deleted post is not shown');
  t.same(await same(() => pushed(reader), [kept]), [kept], 'and leaves the feed partitions');
});

t.test("an image post shows its image as the post does; text posts have none", async (t) => {
  const [reader, author] = [await herald.signUp(), await herald.signUp()];
  await follow(reader, author);
  await counted(author, 1);
  const text = await post(author, 'just words');
  const created = await herald.request({
    method: 'POST',
    url: '/api/v1/posts',
    as: author.accessToken,
    body: { content: 'a picture', image: { content_type: 'image/png', size_bytes: 100, md5: '1B2M2Y8AsgTpgAmY7PhCfg==' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const pictured = created.json().id as string;
  t.same(await same(() => ids(reader), [pictured, text]), [pictured, text]);
  const items = (await feed(reader)).items as Array<{ id: string; image?: unknown }>;
  const own = (await herald.request({ method: 'GET', url: `/api/v1/posts/${pictured}`, as: 'anonymous' })).json();
  t.same(items.find((item) => item.id === pictured)?.image, own.image, "the image as the post's own read shows it");
  t.match(own.image, { status: 'pending' });
  t.notOk('image' in items.find((item) => item.id === text)!, 'no image on a text post');
});

t.test('celebrities are merged in at read time, in order with pushed posts, none missing or repeated', async (t) => {
  const [reader, star, friend, fan2, fan3] = await users(5);
  await follow(reader, star);
  await follow(reader, friend);
  await counted(star, 1);
  // Pushed while the star had one follower: in the reader's feed partition.
  const early = await post(star, 'before fame');
  t.same(await same(() => pushed(reader), [early]), [early]);
  await follow(fan2, star);
  await follow(fan3, star);
  await counted(star, 3);

  const expected: string[] = [early];
  for (let i = 0; i < 3; i++) {
    expected.unshift(await post(friend, `friend ${i}`));
    expected.unshift(await post(star, `star ${i}`));
  }
  t.same(await same(() => ids(reader), expected), expected, 'pushed and pulled posts interleave by time, the early post once');
  const partition = await pushed(reader);
  t.notOk(partition.some((id) => expected.indexOf(id) % 2 === 0 && id !== early), 'the celebrity\'s new posts were not pushed');
});

t.test('max_id and since_id pages neither skip nor repeat', async (t) => {
  const [reader, a, b, star, f2, f3] = await users(6);
  for (const followee of [a, b, star]) await follow(reader, followee);
  await follow(f2, star);
  await follow(f3, star);
  await counted(star, 3);
  await counted(a, 1);
  await counted(b, 1);
  const authors = [a, b, star, reader];
  const created: string[] = [];
  for (let i = 0; i < 11; i++) created.unshift(await post(authors[i % authors.length]!, `post ${i}`));
  t.same(await same(() => ids(reader), created), created);

  const seen: string[] = [];
  let page = await feed(reader, '?limit=4');
  const newer = page.newer_since_id!;
  for (;;) {
    seen.push(...page.items.map((item) => item.id));
    if (!page.next_max_id) break;
    page = await feed(reader, `?limit=4&max_id=${page.next_max_id}`);
  }
  t.same(seen, created, 'older pages with max_id');

  const later: string[] = [];
  for (let i = 0; i < 5; i++) later.unshift(await post(authors[i % authors.length]!, `later ${i}`));
  await same(() => ids(reader), [...later, ...created]);
  const newerSeen: string[] = [];
  let since = newer;
  for (;;) {
    const newerPage = await feed(reader, `?limit=2&since_id=${since}`);
    if (newerPage.items.length === 0) break;
    newerSeen.unshift(...newerPage.items.map((item) => item.id));
    since = newerPage.newer_since_id!;
  }
  t.same(newerSeen, later, 'newer pages with since_id');
});

t.test('the feed needs a bearer token; bad positions and limits are 400s', async (t) => {
  const reader = await herald.signUp();
  t.equal((await herald.request({ method: 'GET', url: '/api/v1/feed', as: 'anonymous' })).statusCode, 401);
  t.equal((await herald.request({ method: 'GET', url: '/api/v1/feed?limit=0', as: reader.accessToken })).statusCode, 400);
  t.equal((await herald.request({ method: 'GET', url: '/api/v1/feed?limit=101', as: reader.accessToken })).statusCode, 400);
  const bad = await herald.request({ method: 'GET', url: '/api/v1/feed?max_id=bm90LWEtcG9zaXRpb24', as: reader.accessToken });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { errors: [{ in: 'query', field: 'max_id' }] }, 'a position not of the contract form is refused, naming it');
  const position = `${Date.now()}.x`;
  t.equal((await herald.request({ method: 'GET', url: `/api/v1/feed?max_id=${position}&since_id=${position}`, as: reader.accessToken })).statusCode, 400);
  t.same(await feed(reader), { items: [], next_max_id: null, newer_since_id: null }, 'an empty feed');
});
