import { randomUUID } from 'node:crypto';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, topicName } from '@herald/event-schemas';
import t from 'tap';
import { eventually, readTopic, startTestHerald, type TestUser } from '../helpers/herald.js';
import { openSse } from '../helpers/sse-client.js';

/**
 * Notifications end to end: the API writes, the notifier (in the consumer thread) turns the events
 * into notifications, and each user reads and marks only their own.
 */

const herald = await startTestHerald(t, {
  IN_PROCESS_CONSUMERS: 'true',
  NOTIFICATIONS_TABLE: `herald-notifications-${randomUUID().slice(0, 8)}`,
});
if (!(await herald.consumers)) throw new Error('in-process consumers did not start');
const [alice, bob, carol] = [await herald.signUp(), await herald.signUp(), await herald.signUp()];

interface Notification { id: string; type: string; actor: { id: string; handle?: string }; subject: string | null; created_at: string; read: boolean }
interface Page { items: Notification[]; next_cursor: string | null; unread_count: number }

const list = async (user: TestUser, query = '') => {
  const response = await herald.request({ method: 'GET', url: `/api/v1/me/notifications${query}`, as: user.accessToken });
  if (response.statusCode !== 200) throw new Error(`listing answered ${response.statusCode}: ${response.body}`);
  return response.json() as Page;
};
const described = (page: Page) => page.items.map((n) => `${n.type} by ${n.actor.handle} ${n.read ? 'read' : 'unread'}`);
const streamOf = (user: TestUser) => {
  const stream = openSse(`${herald.url}/api/v1/events/stream`, { authorization: `Bearer ${user.accessToken}` });
  t.teardown(() => stream.close());
  return stream;
};

const streams = { alice: streamOf(alice), bob: streamOf(bob), carol: streamOf(carol) };
await eventually(async () => herald.eventHub.listenerCount() >= 3);

let post: { id: string };

t.test('a follow and a comment notify the one they concern, once each; never the actor', async (t) => {
  // Bob follows Alice and comments on her post; Alice comments on her own post and deletes Bob's comment.
  t.equal((await herald.request({ method: 'PUT', url: `/api/v1/me/following/${alice.id}`, as: bob.accessToken })).statusCode, 204);
  post = (await herald.request({ method: 'POST', url: '/api/v1/posts', as: alice.accessToken, body: { content: 'hello' } })).json();
  const bobsComment = (await herald.request({ method: 'POST', url: `/api/v1/posts/${post.id}/comments`, as: bob.accessToken, body: { content: 'hi alice' } })).json();
  await herald.request({ method: 'POST', url: `/api/v1/posts/${post.id}/comments`, as: alice.accessToken, body: { content: 'thanks all' } });
  t.equal((await herald.request({ method: 'DELETE', url: `/api/v1/posts/${post.id}/comments/${bobsComment.id}`, as: alice.accessToken })).statusCode, 204);
  await eventually(async () => (await list(bob)).items.length === 1, 20_000, 100);
  await eventually(async () => (await list(alice)).items.length === 2, 20_000, 100);
  const alices = await list(alice);
  t.same(described(alices), [`commented by ${bob.handle} unread`, `followed by ${bob.handle} unread`]);
  t.equal(alices.unread_count, 2);
  t.equal(alices.items[0]!.subject, post.id, 'a comment names the post');
  t.match(alices.items[0], { actor: { id: bob.id }, created_at: String });
  t.same(described(await list(bob)), [`comment_deleted by ${alice.handle} unread`], 'bob is told alice deleted his comment (not of his follow)');
  t.same((await list(carol)).items, [], 'carol, who did nothing and was concerned by nothing, has none');
});

t.test('the same event delivered again writes no second notification', async (t) => {
  const usersTopic = topicName('users', herald.topicPrefix);
  const [followRecord] = (await readTopic(herald.transport, usersTopic, (r) => r.some((e) => e.event.type === 'UserFollowed'))).filter(
    (r) => r.event.type === 'UserFollowed',
  );
  const producer = herald.transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  await producer.send([
    { topic: usersTopic, key: alice.id, value: JSON.stringify(followRecord!.event), headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } },
  ]);
  // A later follow, on the same key: once it is notified, the redelivered one was handled before it.
  await herald.request({ method: 'PUT', url: `/api/v1/me/following/${alice.id}`, as: carol.accessToken });
  await eventually(async () => (await list(alice)).items.some((n) => n.actor.id === carol.id), 20_000, 100);
  t.same(described(await list(alice)), [
    `followed by ${carol.handle} unread`,
    `commented by ${bob.handle} unread`,
    `followed by ${bob.handle} unread`,
  ]);
});

t.test('unread first, newest first within each; the cursor pages across both groups', async (t) => {
  const [newest] = (await list(alice)).items;
  t.equal((await herald.request({ method: 'POST', url: '/api/v1/me/notifications/read', as: alice.accessToken, body: { ids: [newest!.id] } })).statusCode, 204);
  const page = await list(alice);
  t.same(described(page), [`commented by ${bob.handle} unread`, `followed by ${bob.handle} unread`, `followed by ${carol.handle} read`]);
  t.equal(page.unread_count, 2);
  const paged: Notification[] = [];
  let cursor: string | null = null;
  do {
    const next: Page = await list(alice, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    paged.push(...next.items);
    cursor = next.next_cursor;
  } while (cursor);
  t.same(paged.map((n) => n.id), page.items.map((n) => n.id), 'pages of one: each once, in the same order');
  const bad = await herald.request({ method: 'GET', url: '/api/v1/me/notifications?cursor=bm9wZQ', as: alice.accessToken });
  t.equal(bad.statusCode, 400);
});

t.test("another user's notifications are never visible nor marked read", async (t) => {
  const alicesIds = (await list(alice)).items.map((n) => n.id);
  t.equal((await herald.request({ method: 'POST', url: '/api/v1/me/notifications/read', as: bob.accessToken, body: { ids: alicesIds } })).statusCode, 204);
  t.equal((await list(alice)).unread_count, 2, "bob's request left alice's unread");
  t.notOk((await list(bob)).items.some((n) => alicesIds.includes(n.id)));
  t.equal((await herald.request({ method: 'POST', url: '/api/v1/me/notifications/read', as: alice.accessToken, body: { all: true } })).statusCode, 204);
  const after = await list(alice);
  t.equal(after.unread_count, 0);
  t.ok(after.items.every((n) => n.read));
  t.equal((await list(bob)).unread_count, 1, "alice marking all hers read leaves bob's");
});

t.test('without a token: 401; a bad body: 400', async (t) => {
  const anonymousList = await herald.request({ method: 'GET', url: '/api/v1/me/notifications', as: 'anonymous' });
  t.equal(anonymousList.statusCode, 401);
  t.match(anonymousList.headers['www-authenticate'], /Bearer/);
  t.equal((await herald.request({ method: 'POST', url: '/api/v1/me/notifications/read', as: 'anonymous', body: { all: true } })).statusCode, 401);
  for (const body of [{ ids: [] }, { all: false }, {}, { ids: ['x'], all: true }]) {
    const response = await herald.request({ method: 'POST', url: '/api/v1/me/notifications/read', as: alice.accessToken, body });
    t.equal(response.statusCode, 400, JSON.stringify(body));
  }
});

t.test('the events behind notifications reach the concerned users live on their streams', async (t) => {
  const typesSeen = async (stream: ReturnType<typeof streamOf>, until: (types: string[]) => boolean) => {
    await stream.waitFor((messages) => until(messages.filter((m) => m.id).map((m) => JSON.parse(m.data!).type as string)));
    return stream.messages.filter((m) => m.id).map((m) => JSON.parse(m.data!) as { type: string; subject: string; data: Record<string, any> });
  };
  const alices = await typesSeen(streams.alice, (types) => types.includes('CommentDeleted') && types.filter((x) => x === 'UserFollowed').length >= 2);
  t.ok(alices.some((e) => e.type === 'UserFollowed' && e.data.follower_id === bob.id), 'alice sees that bob followed her');
  t.ok(alices.some((e) => e.type === 'CommentAdded' && e.data.comment.author_id === bob.id), "alice sees bob's comment on her post");
  const bobs = await typesSeen(streams.bob, (types) => types.includes('CommentDeleted'));
  t.ok(bobs.some((e) => e.type === 'CommentDeleted' && e.data.deleted_by === alice.id), 'bob sees alice deleted his comment');
  t.ok(bobs.some((e) => e.type === 'UserFollowed' && e.data.follower_id === bob.id), 'bob sees his own follow');
  const carols = await typesSeen(streams.carol, (types) => types.includes('UserFollowed'));
  t.ok(carols.some((e) => e.type === 'UserFollowed' && e.data.follower_id === carol.id), 'carol sees her own follow');
  // Her own sign-up may come too, if it reached the stream after she opened it: it is about her.
  const aboutCarol = (e: (typeof carols)[number]) => e.subject === carol.id || e.data.follower_id === carol.id;
  t.same(carols.filter((e) => !aboutCarol(e)).map((e) => `${e.type} ${e.subject}`), [], "nothing of alice's and bob's");
});
