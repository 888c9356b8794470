import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import t, { type Test } from 'tap';
import { createNotificationStore, notificationsFor, notify, type NotificationStore } from '../src/index.js';
import { dynamoClient, dynamoEndpoint } from './helpers.js';

const source = '/herald/test';

async function freshNotificationStore(t: Test): Promise<NotificationStore> {
  const client = dynamoClient(t, await dynamoEndpoint(t));
  const store = createNotificationStore({ client, tableName: `herald-notifications-${randomUUID()}` });
  await store.ensureTable();
  return store;
}

const followed = (follower: string, followee: string, time = new Date()) =>
  createEvent({
    type: 'UserFollowed',
    source,
    subject: followee,
    time,
    data: { follower_id: follower, followee_id: followee, followed_at: time.toISOString() },
  }) as HeraldEvent;

const commented = (author: string, postAuthor: string, postId = 'a-post', time = new Date()) =>
  createEvent({
    type: 'CommentAdded',
    source,
    subject: postId,
    time,
    data: {
      comment: { id: randomUUID(), post_id: postId, author_id: author, content: 'nice', created_at: time.toISOString() },
      post_author_id: postAuthor,
      comment_count: 1,
    },
  }) as HeraldEvent;

const commentDeleted = (author: string, deletedBy: string, postAuthor: string) =>
  createEvent({
    type: 'CommentDeleted',
    source,
    subject: 'a-post',
    data: {
      comment_id: randomUUID(),
      post_id: 'a-post',
      author_id: author,
      post_author_id: postAuthor,
      deleted_by: deletedBy,
      comment_count: 0,
      deleted_at: new Date().toISOString(),
    },
  }) as HeraldEvent;

t.test('a follow, a comment and a deletion by someone else notify whom they concern; nothing notifies the actor', async (t) => {
  const [alice, bob] = [randomUUID(), randomUUID()];
  t.same(
    notificationsFor(followed(bob, alice)).map((n) => [n.userId, n.type, n.actorId]),
    [[alice, 'followed', bob]],
  );
  t.same(
    notificationsFor(commented(bob, alice)).map((n) => [n.userId, n.type, n.actorId, n.subject]),
    [[alice, 'commented', bob, 'a-post']],
  );
  t.same(notificationsFor(commented(alice, alice)), [], "a comment on one's own post notifies nobody");
  t.same(
    notificationsFor(commentDeleted(bob, alice, alice)).map((n) => [n.userId, n.type, n.actorId]),
    [[bob, 'comment_deleted', alice]],
  );
  t.same(notificationsFor(commentDeleted(bob, bob, alice)), [], "deleting one's own comment notifies nobody");
});

t.test('the same event delivered twice writes one notification, and leaves it read once read', async (t) => {
  const store = await freshNotificationStore(t);
  const [alice, bob] = [randomUUID(), randomUUID()];
  const event = followed(bob, alice);
  t.equal(await notify([event], { notifications: store }), 1);
  t.equal(await notify([event, event], { notifications: store }), 0, 'a redelivery writes nothing');
  const { items } = await store.list(alice, { limit: 10 });
  t.equal(items.length, 1);
  await store.markRead(alice, { ids: [items[0]!.id] });
  await notify([event], { notifications: store });
  t.same((await store.list(alice, { limit: 10 })).items.map((n) => n.read), [true], 'a later redelivery does not make it unread');
});

t.test('unread first, newest first within each group; the cursor continues across the two groups', async (t) => {
  const store = await freshNotificationStore(t);
  const alice = randomUUID();
  const base = Date.parse('2026-11-30T10:00:00.000Z');
  const events = Array.from({ length: 7 }, (_, i) => followed(randomUUID(), alice, new Date(base + i * 1000)));
  await notify(events, { notifications: store });
  const all = (await store.list(alice, { limit: 100 })).items;
  t.same(all.map((n) => n.createdAt), events.map((e) => e.time).reverse(), 'newest first');
  // Read: the newest and the third newest.
  t.equal(await store.markRead(alice, { ids: [all[0]!.id, all[2]!.id, 'no-such-id', `${events[0]!.time}#${randomUUID()}`] }), 2);
  const expected = [all[1], all[3], all[4], all[5], all[6], all[0], all[2]].map((n) => n!.id);
  const paged: string[] = [];
  const reads: boolean[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(alice, { limit: 2, ...(cursor ? { cursor } : {}) });
    paged.push(...page.items.map((n) => n.id));
    reads.push(...page.items.map((n) => n.read));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  t.same(paged, expected, 'every notification once, unread newest first, then read newest first');
  t.same(reads, [false, false, false, false, false, true, true]);
  t.equal(pages, 4, 'no empty last page');
  t.equal(await store.unreadCount(alice), 5);
  t.equal(await store.markRead(alice, { all: true }), 5);
  t.equal(await store.unreadCount(alice), 0);
  await t.rejects(store.list(alice, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' }), { name: 'InvalidNotificationCursorError' });
});

t.test("one user's notifications are never another's, nor marked read by another", async (t) => {
  const store = await freshNotificationStore(t);
  const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
  await notify([followed(carol, alice), followed(carol, bob)], { notifications: store });
  const [alices] = (await store.list(alice, { limit: 10 })).items;
  t.equal(await store.markRead(bob, { ids: [alices!.id] }), 0, "bob cannot mark alice's notification read");
  t.same((await store.list(alice, { limit: 10 })).items.map((n) => n.read), [false]);
  t.equal((await store.list(bob, { limit: 10 })).items.length, 1);
  await store.markRead(bob, { all: true });
  t.equal(await store.unreadCount(alice), 1, "bob marking all his read leaves alice's unread");
  t.same((await createNotificationStore({ client: dynamoClient(t, await dynamoEndpoint(t)), tableName: `missing-${randomUUID()}` }).list(alice, { limit: 5 })).items, [], 'a table not created yet reads as empty');
});

t.test("a rejected image tells its author, with the reason, once", async (t) => {
  const store = await freshNotificationStore(t);
  const [author, uploadId] = [randomUUID(), randomUUID()];
  const reason = 'The uploaded file is not the one announced: its MD5 checksum differs from the declared one.';
  const rejected = createEvent({
    type: 'PostImageRejected',
    source: '/herald/media',
    subject: 'a-post',
    data: {
      post_id: 'a-post',
      author_id: author,
      upload_id: uploadId,
      reason_code: 'md5_mismatch',
      reason,
    },
  }) as HeraldEvent;
  t.same(
    notificationsFor(rejected).map((n) => [n.userId, n.type, n.subject, n.reason]),
    [[author, 'image_rejected', 'a-post', reason]],
    'the author is told, though nobody else did anything',
  );
  t.equal(await notify([rejected], { notifications: store }), 1);
  t.equal(await notify([rejected], { notifications: store }), 0, 'a redelivery writes nothing');
  const { items } = await store.list(author, { limit: 10 });
  t.match(items, [{ type: 'image_rejected', subject: 'a-post', reason: /MD5 checksum differs/, read: false }]);
  t.same(notificationsFor(followed(author, author)), [], 'following oneself still notifies nobody');
});
