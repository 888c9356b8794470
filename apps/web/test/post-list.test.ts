import t from 'tap';
import type { Post, PostSort } from '../src/api/types.js';
import { applyLatestComments, applyPostEvents, authorsToLookUp, emptyPostList, listFromPage, shownPosts, type PostList } from '../src/state/post-list.js';
import { comment, commentAdded, commentDeleted, post, postCreated, postDeleted, postUpdated, user } from './helpers/posts.js';

function listOf(posts: Post[], { sort = 'recent' as PostSort, limit = 5, more = false } = {}): PostList {
  return listFromPage({ items: posts, next_cursor: more ? 'next' : null }, emptyPostList(sort, limit));
}

const ids = (list: PostList) => shownPosts(list).map((p) => p.id);

t.test('a new post goes on top of the recent posts, with no comment yet', async (t) => {
  const older = post();
  const list = listOf([older]);
  const fresh = post({ title: 'Fresh', content: 'Just written' });
  const { list: next, reread, comments } = applyPostEvents(list, [postCreated(fresh)]);
  t.same(ids(next), [fresh.id, older.id]);
  const shown = next.posts.get(fresh.id)!;
  t.same([shown.title, shown.content, shown.comment_count, shown.latest_comments], ['Fresh', 'Just written', 0, []]);
  t.equal(shown.author.handle, '', 'the event names its author by id only');
  t.same(authorsToLookUp(next, new Map()), [fresh.author_id], 'whose handle is to be looked up');
  t.same(authorsToLookUp(next, new Map([[fresh.author_id, fresh.author]])), [], 'unless it is known');
  t.equal(reread, false);
  t.same(comments, []);
});

t.test('an edit replaces title and content by version; an older event changes nothing', async (t) => {
  const p = post({ comment_count: 3, view_count: 12 });
  const list = listOf([p]);
  const v2 = { ...p, title: 'New title', content: 'New content', version: 2 };
  const v3 = { ...p, content: 'Newest content', version: 3 };
  let { list: next } = applyPostEvents(list, [postUpdated(v3), postUpdated(v2, ['title', 'content'])]);
  const shown = next.posts.get(p.id)!;
  t.same([shown.title, shown.content, shown.version], [p.title, 'Newest content', 3], 'the late v2 did not overwrite v3');
  t.same([shown.comment_count, shown.view_count, shown.author], [3, 12, p.author], 'counts and author kept');
  ({ list: next } = applyPostEvents(next, [postCreated(p)]));
  t.equal(next.posts.get(p.id)!.version, 3, 'a replayed creation neither');
});

t.test('a deleted post goes and never comes back; a full page is read again to fill its place', async (t) => {
  const a = post();
  const b = post();
  const applied = applyPostEvents(listOf([b, a], { more: true }), [postDeleted(b)]);
  t.same(ids(applied.list), [a.id]);
  t.equal(applied.reread, true, 'the API has more posts: the next one moves up');
  t.equal(applyPostEvents(listOf([b, a]), [postDeleted(b)]).reread, false, 'every post is held: nothing to read');

  const again = applyPostEvents(applied.list, [postCreated(b), postUpdated({ ...b, version: 2 })]);
  t.same(ids(again.list), [a.id], 'late events of a deleted post do not revive it');
  const reread = listFromPage({ items: [b, a], next_cursor: null }, applied.list);
  t.same(ids(reread), [a.id], 'nor does a page read before the deletion');
});

t.test('a comment updates the count and the two newest comments', async (t) => {
  const p = post();
  const first = comment(p.id);
  const list = listOf([{ ...p, comment_count: 1, latest_comments: [first] }]);
  const second = comment(p.id, { content: 'second' });
  const third = comment(p.id, { content: 'third' });
  const { list: next } = applyPostEvents(list, [commentAdded(second, 2), commentAdded(third, 3)]);
  const shown = next.posts.get(p.id)!;
  t.equal(shown.comment_count, 3);
  t.same(shown.latest_comments.map((c) => c.content), ['third', 'second'], 'newest first, two of them');

  const replayed = applyPostEvents(next, [commentAdded(second, 2), commentAdded(third, 3)]).list.posts.get(p.id)!;
  t.equal(replayed.comment_count, 3, 'events applied twice (a page read while they came) end on the same count');
  t.same(replayed.latest_comments.map((c) => c.content), ['third', 'second']);
});

t.test('a deleted comment that was shown leaves a gap: the post\'s newest comments are read', async (t) => {
  const p = post();
  const [c1, c2, c3] = [comment(p.id), comment(p.id), comment(p.id)];
  const list = listOf([{ ...p, comment_count: 3, latest_comments: [c3, c2] }]);
  const gone = applyPostEvents(list, [commentDeleted(c3, 2)]);
  t.same(gone.list.posts.get(p.id)!.latest_comments.map((c) => c.id), [c2.id]);
  t.equal(gone.list.posts.get(p.id)!.comment_count, 2);
  t.same(gone.comments, [p.id], 'the one before it is not known');

  const filled = applyLatestComments(gone.list, p.id, { items: [c3, c2, c1].slice(0, 2), next_cursor: null });
  t.same(filled.posts.get(p.id)!.latest_comments.map((c) => c.id), [c2.id], 'an answer older than the deletion does not bring it back');
  const fresh = applyLatestComments(gone.list, p.id, { items: [c2, c1], next_cursor: null });
  t.same(fresh.posts.get(p.id)!.latest_comments.map((c) => c.id), [c2.id, c1.id]);

  const notShown = applyPostEvents(fresh, [commentDeleted(c1, 1)]);
  t.same(notShown.comments, [], 'the last comment going leaves nothing to read');
  t.same(applyPostEvents(listOf([{ ...p, comment_count: 3, latest_comments: [c3, c2] }]), [commentDeleted(c1, 2)]).comments, [], 'nor does one not shown');
});

t.test('most commented first: counts reorder the posts, ties newest first', async (t) => {
  const a = post({ comment_count: 2 });
  const b = post({ comment_count: 1 });
  const c = post({ comment_count: 1 });
  const list = listOf([a, c, b], { sort: 'comments' });
  t.same(ids(list), [a.id, c.id, b.id]);
  const { list: next } = applyPostEvents(list, [commentAdded(comment(b.id), 2), commentAdded(comment(b.id), 3)]);
  t.same(ids(next), [b.id, a.id, c.id]);
});

t.test('the page holds at most its size; what it does not hold is read when it may belong', async (t) => {
  const posts = [post(), post(), post()].reverse();
  const full = listOf(posts, { limit: 3 });
  const fresh = post();
  const pushed = applyPostEvents(full, [postCreated(fresh)]);
  t.same(ids(pushed.list), [fresh.id, posts[0]!.id, posts[1]!.id], 'the oldest is pushed off');
  t.equal(pushed.list.more, true);

  const outside = posts[2]!;
  t.equal(applyPostEvents(pushed.list, [postUpdated({ ...outside, version: 2 })]).reread, false, 'an edit of an older post: not on the page');
  t.equal(applyPostEvents(pushed.list, [commentAdded(comment(outside.id), 1)]).reread, false, 'nor a comment on it');

  const byComments = listOf(posts.map((p, i) => ({ ...p, comment_count: 10 - i })), { sort: 'comments', limit: 3, more: true });
  const hidden = post({ comment_count: 5 });
  t.equal(applyPostEvents(byComments, [commentAdded(comment(hidden.id), 6)]).reread, false, 'a post with fewer comments than the last shown');
  t.equal(applyPostEvents(byComments, [commentAdded(comment(hidden.id), 9)]).reread, true, 'one that now has more belongs: read the page');

  const notFull = listOf([post()], { limit: 3 });
  t.equal(applyPostEvents(notFull, [commentAdded(comment('unseen'), 1)]).reread, true, 'a page that is not full should hold every post');
});

t.test('a post that loses comments may fall below one not held: the page is read again', async (t) => {
  const a = post({ comment_count: 5 });
  const b = post({ comment_count: 3 });
  const cb = comment(b.id);
  const list = listOf([a, { ...b, latest_comments: [cb] }], { sort: 'comments', limit: 2, more: true });
  t.equal(applyPostEvents(list, [commentDeleted(cb, 2)]).reread, true, 'the last one lost a comment');
  const ca = comment(a.id);
  t.equal(applyPostEvents(list, [commentDeleted(ca, 4)]).reread, false, 'the first still ranks above the last');
});

t.test('an author known from a page or an event is not looked up', async (t) => {
  const alice = user('alice');
  const p = post({ author: alice, author_id: alice.id });
  const list = listOf([p]);
  const bob = user('bob');
  const { list: next } = applyPostEvents(list, [commentAdded(comment(p.id, { author: bob, author_id: bob.id }), 1)]);
  t.same(authorsToLookUp(next, new Map()), [bob.id], 'the comment\'s author only: the post came with its author');
});
