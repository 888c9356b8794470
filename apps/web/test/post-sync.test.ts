import t from 'tap';
import type { CommentPage, PostPage, PostSort, UserSummary } from '../src/api/types.js';
import { shownPosts } from '../src/state/post-list.js';
import { createPostSync, type PostSyncOptions } from '../src/state/post-sync.js';
import { createFakeTimers } from './helpers/fake-timers.js';
import { comment, commentAdded, commentDeleted, post, postCreated, postDeleted, user, userRegistered } from './helpers/posts.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A request the test answers when it chooses. */
interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

function setup(overrides: Partial<PostSyncOptions> = {}) {
  const timers = createFakeTimers();
  const pageRequests: Array<Pending<PostPage> & { sort: PostSort; limit: number }> = [];
  const commentRequests: Array<Pending<CommentPage | undefined> & { id: string }> = [];
  const userRequests: Array<Pending<UserSummary | undefined> & { id: string }> = [];
  const sync = createPostSync({
    sort: 'recent',
    limit: 3,
    fetchPage: (sort, limit) => new Promise((resolve, reject) => pageRequests.push({ sort, limit, resolve, reject })),
    fetchLatestComments: (id) => new Promise((resolve, reject) => commentRequests.push({ id, resolve, reject })),
    fetchUser: (id) => new Promise((resolve, reject) => userRequests.push({ id, resolve, reject })),
    onChange: () => {},
    timers,
    fetchDelayMs: 100,
    ...overrides,
  });
  const shown = () => shownPosts(sync.state.list).map((p) => [p.id, p.comment_count]);
  return { sync, timers, pageRequests, commentRequests, userRequests, shown };
}

t.test('the page is read once; a burst of events updates the view with no other read', async (t) => {
  const { sync, timers, pageRequests, commentRequests, userRequests, shown } = setup();
  const alice = user('alice');
  const a = post({ author: alice, author_id: alice.id });
  sync.reload();
  t.same(pageRequests.map((r) => [r.sort, r.limit]), [['recent', 3]]);
  pageRequests[0]!.resolve({ items: [a], next_cursor: null });
  await settle();
  t.equal(sync.state.loading, false);

  const b = post({ author: alice, author_id: alice.id });
  sync.apply([postCreated(b), commentAdded(comment(a.id, { author: alice, author_id: alice.id }), 1), commentAdded(comment(b.id, { author: alice, author_id: alice.id }), 1)]);
  timers.advance(1000);
  await settle();
  t.same(shown(), [[b.id, 1], [a.id, 1]]);
  t.equal(pageRequests.length, 1, 'no page read again');
  t.equal(commentRequests.length + userRequests.length, 0, 'nothing else read: the events and the page said it all');
});

t.test('an author the events name by id is looked up once, unless an account event told it', async (t) => {
  const { sync, timers, pageRequests, userRequests } = setup();
  sync.reload();
  pageRequests[0]!.resolve({ items: [], next_cursor: null });
  await settle();

  const carol = user('carol');
  const dave = user('dave');
  sync.apply([userRegistered(dave), postCreated(post({ author: carol, author_id: carol.id })), postCreated(post({ author: dave, author_id: dave.id }))]);
  sync.apply([postCreated(post({ author: carol, author_id: carol.id }))]);
  t.equal(userRequests.length, 0, 'not before the burst is over');
  timers.advance(100);
  t.same(userRequests.map((r) => r.id), [carol.id], 'one request for carol; dave registered in view of the stream');
  userRequests[0]!.resolve(carol);
  await settle();
  t.equal(sync.state.authors.get(carol.id)?.handle, 'carol');
  t.equal(sync.state.authors.get(dave.id)?.handle, 'dave');
});

t.test('events that arrive while the page loads are applied on top of it', async (t) => {
  const { sync, pageRequests, shown } = setup();
  const a = post();
  sync.reload();
  const b = post();
  // The page was read before these events and answers after them.
  sync.apply([postCreated(b), commentAdded(comment(a.id), 4)]);
  pageRequests[0]!.resolve({ items: [{ ...a, comment_count: 3 }], next_cursor: null });
  await settle();
  t.same(shown(), [[b.id, 0], [a.id, 4]]);
  t.equal(pageRequests.length, 1);
});

t.test('a shown comment deleted: that post\'s newest comments are read, once per burst', async (t) => {
  const { sync, timers, pageRequests, commentRequests } = setup();
  const p = post();
  const [c1, c2, c3] = [comment(p.id), comment(p.id), comment(p.id)];
  sync.reload();
  pageRequests[0]!.resolve({ items: [{ ...p, comment_count: 3, latest_comments: [c3, c2] }], next_cursor: null });
  await settle();
  sync.apply([commentDeleted(c3, 2)]);
  sync.apply([commentDeleted(c2, 1)]);
  timers.advance(100);
  t.same(commentRequests.map((r) => r.id), [p.id]);
  commentRequests[0]!.resolve({ items: [c1], next_cursor: null });
  await settle();
  t.same(sync.state.list.posts.get(p.id)!.latest_comments.map((c) => c.id), [c1.id]);
  t.equal(pageRequests.length, 1, 'no page read');
});

t.test('a post deleted from a full page: the page is read again, once for the burst', async (t) => {
  const { sync, timers, pageRequests, shown } = setup();
  const posts = [post(), post(), post(), post()].reverse();
  sync.reload();
  pageRequests[0]!.resolve({ items: posts.slice(0, 3), next_cursor: 'more' });
  await settle();
  sync.apply([postDeleted(posts[0]!)]);
  sync.apply([postDeleted(posts[1]!)]);
  timers.advance(100);
  t.equal(pageRequests.length, 2, 'one read for both');
  pageRequests[1]!.resolve({ items: posts.slice(2), next_cursor: null });
  await settle();
  t.same(shown(), [[posts[2]!.id, 0], [posts[3]!.id, 0]], 'the next posts moved up');
});

t.test('another order reads its page; the answer for the former order is dropped', async (t) => {
  const { sync, pageRequests, shown } = setup();
  const a = post({ comment_count: 0 });
  const b = post({ comment_count: 7 });
  sync.reload();
  sync.setSort('comments');
  t.equal(sync.state.loading, true);
  t.same(pageRequests.map((r) => r.sort), ['recent', 'comments']);
  pageRequests[1]!.resolve({ items: [b, a], next_cursor: null });
  pageRequests[0]!.resolve({ items: [a, b], next_cursor: null });
  await settle();
  t.equal(sync.state.list.sort, 'comments');
  t.same(shown(), [[b.id, 7], [a.id, 0]]);
});

t.test('a failed read says why and keeps what is shown', async (t) => {
  const { sync, pageRequests } = setup();
  sync.reload();
  pageRequests[0]!.reject(new Error('GET /api/v1/posts: 503 Service Unavailable'));
  await settle();
  t.equal(sync.state.loading, false);
  t.match(sync.state.error, /503/);
});
