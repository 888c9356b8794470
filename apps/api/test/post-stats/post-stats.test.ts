import t, { type Test } from 'tap';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, createEvent, topicName, type HeraldEvent } from '@herald/event-schemas';
import { startAnalytics, textStatistics, type RunningAnalytics } from '@herald/analytics';
import { eventually, readTopic, startTestHerald, type TestUser } from '../helpers/herald.js';

/**
 * Post statistics end to end: posts written through the API, their events published to the
 * broker of the run (embedded, or Kafka on `npm run test:stack`), the analytics consumer started
 * and stopped by the test (so that "not computed yet" is a state the test controls), and the
 * figures read through the three operations.
 */

const herald = await startTestHerald(t);
await herald.topicsReady;
const POSTS = '/api/v1/posts';
const postsTopic = topicName('posts', herald.topicPrefix);
const alice = await herald.signUp();
const bob = await herald.signUp();

let analytics: RunningAnalytics | undefined;
async function startConsumer() {
  analytics = await startAnalytics({ transport: herald.transport, pool: herald.pool, prefix: herald.topicPrefix });
}
async function stopConsumer() {
  await analytics?.stop();
  analytics = undefined;
}
t.teardown(stopConsumer);

/** Until every post event published so far is applied: nothing left in the outbox, no lag on the posts topic. */
async function caughtUp() {
  await eventually(async () => {
    const { rows } = await herald.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    if (rows[0].n > 0) return false;
    const lag = await herald.transport.consumerLag(`${herald.topicPrefix}analytics`, [postsTopic]);
    return lag.every((partition) => partition.lag === 0);
  }, 30_000, 100);
}

const create = (user: TestUser, body: unknown) => herald.request({ method: 'POST', url: POSTS, as: user.accessToken, body });
const stats = (id: string) => herald.request({ method: 'GET', url: `${POSTS}/${id}/stats`, as: 'anonymous' });
const byQuery = (id: string) => herald.request({ method: 'GET', url: `${POSTS}/stats?id=${encodeURIComponent(id)}`, as: 'anonymous' });
const analysis = (id: string) => herald.request({ method: 'GET', url: `${POSTS}/${id}/analysis`, as: 'anonymous' });

/** What the three operations answer for a post must be the same, the aliases marked deprecated. */
async function sameOnEveryRoute(t: Test, id: string) {
  const current = await stats(id);
  t.notOk(current.headers.deprecation, 'the current operation is not deprecated');
  for (const [name, alias] of [['stats?id=', byQuery], ['analysis', analysis]] as const) {
    const response = await alias(id);
    t.equal(response.statusCode, current.statusCode, `${name}: same status`);
    t.same(response.json(), current.json(), `${name}: same body`);
    t.equal(response.headers['retry-after'], current.headers['retry-after'], `${name}: same Retry-After`);
    t.equal(response.headers.deprecation, 'true', `${name}: Deprecation`);
    t.equal(response.headers.link, `<${POSTS}/${id}/stats>; rel="successor-version"`, `${name}: Link to its successor`);
  }
  return current;
}

const contents = [
  ',,,dwhuw dhuwhdihu wjfiej,,',
  "  Don't panic: it's only a well-known test.\n",
  'Ünïcödé, naïve cafe\u0301 — 東京タワー, 你好',
  '👍🏽 🎉 ...',
  "rock 'n' roll -- 2025-03-01, R2-D2 and 3.14",
  'x'.repeat(1000),
];
const posts: Array<{ id: string; content: string; author: TestUser }> = [];

t.test('an unknown post is a 404 on every route, a bad id a 400', async (t) => {
  for (const response of [await stats('no-such-post'), await byQuery('no-such-post'), await analysis('no-such-post')]) {
    t.equal(response.statusCode, 404);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.equal(response.json().type, 'urn:herald:problem:not-found');
  }
  for (const response of [await stats('has%20space'), await byQuery('has space'), await analysis('é'), await herald.request({ method: 'GET', url: `${POSTS}/stats`, as: 'anonymous' })]) {
    t.equal(response.statusCode, 400, response.json().detail);
  }
});

t.test('/api/v1/posts/stats is the deprecated statistics route, not a post: other methods on it are 405s', async (t) => {
  for (const method of ['PATCH', 'DELETE']) {
    const response = await herald.request({ method, url: `${POSTS}/stats`, as: alice.accessToken });
    t.equal(response.statusCode, 405, method);
    t.equal(response.headers.allow, 'GET');
  }
});

t.test('a post whose figures are not computed yet is a 202 with Retry-After, saying so', async (t) => {
  for (const [n, content] of contents.entries()) {
    const author = n % 2 ? bob : alice;
    const response = await create(author, { id: `stats-${n}`, content });
    t.equal(response.statusCode, 201, `post stats-${n} created`);
    posts.push({ id: response.json().id, content: response.json().content, author });
  }
  t.equal(posts[1]!.content, "Don't panic: it's only a well-known test.", 'content is stored trimmed');
  const response = await sameOnEveryRoute(t, posts[0]!.id);
  t.equal(response.statusCode, 202);
  t.equal(response.headers['retry-after'], '1');
  t.match(response.headers['content-type'], /^application\/json/);
  t.match(response.json(), { post_id: posts[0]!.id, post_version: 1, status: 'pending', detail: /not computed yet/ });
});

t.test('once computed, the figures equal the pure function applied to each content, with the counts of the post', async (t) => {
  await herald.request({ method: 'POST', url: `${POSTS}/${posts[0]!.id}/comments`, as: bob.accessToken, body: { content: 'first!' } });
  await herald.request({ method: 'POST', url: `${POSTS}/${posts[0]!.id}/comments`, as: alice.accessToken, body: { content: 'thanks' } });
  for (let n = 0; n < 3; n += 1) await herald.request({ method: 'GET', url: `${POSTS}/${posts[1]!.id}`, as: 'anonymous' });
  await startConsumer();
  await caughtUp();
  for (const post of posts) {
    const response = await sameOnEveryRoute(t, post.id);
    t.equal(response.statusCode, 200, `${post.id}: computed`);
    const body = response.json();
    t.strictSame({ ...body, computed_at: undefined, view_count: undefined }, {
      post_id: post.id,
      post_version: 1,
      ...textStatistics(post.content),
      comment_count: post.id === posts[0]!.id ? 2 : 0,
      view_count: undefined,
      computed_at: undefined,
    }, `${post.id}: the pure function's figures`);
    t.ok(Date.parse(body.computed_at) > 0, 'with the time of computation');
  }
  t.match((await stats(posts[0]!.id)).json(), { word_count: 3, avg_word_length: 6.67, char_count: 27 }, 'the example of the issue');
  await eventually(async () => (await stats(posts[1]!.id)).json().view_count === 3, 10_000, 200);
  t.pass('view_count follows the reads of the post, once they are written');
});

t.test('the figures follow an edit; until they do, the new version is pending', async (t) => {
  await stopConsumer();
  const post = posts[2]!;
  const edited = await herald.request({ method: 'PATCH', url: `${POSTS}/${post.id}`, as: post.author.accessToken, body: { content: 'Now just four words.' } });
  t.equal(edited.statusCode, 200, edited.body);
  t.equal(edited.json().version, 2);
  const pending = await sameOnEveryRoute(t, post.id);
  t.equal(pending.statusCode, 202, 'figures of version 1 are not served for version 2');
  t.match(pending.json(), { post_version: 2, status: 'pending', detail: /version 1/ });

  await startConsumer();
  await caughtUp();
  const response = await stats(post.id);
  t.equal(response.statusCode, 200);
  t.match(response.json(), { post_version: 2, ...textStatistics('Now just four words.') });
  post.content = 'Now just four words.';
});

/** Publishes `events` again to the posts topic, as a redelivering or replaying transport would. */
async function republish(events: readonly HeraldEvent[]) {
  const producer = herald.transport.createProducer();
  await producer.connect();
  try {
    await producer.send(events.map((event) => ({ topic: postsTopic, key: String(event.subject), value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } })));
  } finally {
    await producer.disconnect();
  }
}

/** The events published so far about a post, in order. */
async function eventsOf(postId: string, count: number): Promise<HeraldEvent[]> {
  const received = await readTopic(herald.transport, postsTopic, (all) => all.filter(({ event }) => event.subject === postId).length >= count, 20_000, 0);
  return received.map(({ event }) => event).filter((event) => event.subject === postId);
}

t.test('a redelivered event, or an older version arriving late, changes nothing', async (t) => {
  const post = posts[2]!;
  const before = (await stats(post.id)).json();
  const [created, updated] = await eventsOf(post.id, 2);
  t.match([created?.type, updated?.type], ['PostCreated', 'PostUpdated']);
  // The same events again (same ids), and version 1 again under a new id (a copy that is not a duplicate).
  const stale = createEvent({ type: 'PostCreated', subject: post.id, source: created!.source, data: (created as Extract<HeraldEvent, { type: 'PostCreated' }>).data });
  await republish([created!, updated!, stale]);
  await caughtUp();
  t.strictSame((await stats(post.id)).json(), before, 'the figures of version 2, computed_at included');
});

t.test('the figures vanish with the post, and late events do not bring them back', async (t) => {
  const post = posts[3]!;
  const [created] = await eventsOf(post.id, 1);
  const removed = await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}`, as: post.author.accessToken });
  t.equal(removed.statusCode, 204);
  t.equal((await stats(post.id)).statusCode, 404, 'a deleted post is unknown');
  await caughtUp();
  const kept = async () => (await herald.pool.query('SELECT post_id FROM analytics.post_stats WHERE post_id = $1', [post.id])).rows.length;
  t.equal(await kept(), 0, 'its row is gone from the read model');

  await republish([createEvent({ type: 'PostCreated', subject: post.id, source: created!.source, data: (created as Extract<HeraldEvent, { type: 'PostCreated' }>).data })]);
  await caughtUp();
  t.equal(await kept(), 0, 'a late copy of its PostCreated does not bring it back');
});

t.test('a new post under the id of a deleted one is pending until its own figures are computed', async (t) => {
  const post = posts[4]!;
  await stopConsumer();
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}`, as: post.author.accessToken })).statusCode, 204);
  const again = await create(bob, { id: post.id, content: 'A new post under an old id' });
  t.equal(again.statusCode, 201);
  t.equal(again.json().version, 1, 'version 1, like the deleted post whose figures are still kept');
  const pending = await sameOnEveryRoute(t, post.id);
  t.equal(pending.statusCode, 202, 'the figures of the deleted post are not served for the new one');

  await startConsumer();
  await caughtUp();
  const response = await sameOnEveryRoute(t, post.id);
  t.equal(response.statusCode, 200);
  t.match(response.json(), { post_version: 1, ...textStatistics('A new post under an old id') });
});
