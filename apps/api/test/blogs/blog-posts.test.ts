import t from 'tap';
import { startTestHerald, type TestUser } from '../helpers/herald.js';

/** A blog's posts: writing into a blog, the exact post_count, and deleting a blog with its posts. */

const herald = await startTestHerald(t);
const BLOGS = '/api/v1/blogs';
const POSTS = '/api/v1/posts';
const alice = await herald.signUp();
const bob = await herald.signUp();

let slugs = 0;
const createBlog = async (user: TestUser, posts?: Array<Record<string, unknown>>) => {
  const response = await herald.request({ method: 'POST', url: BLOGS, as: user.accessToken, body: { name: 'Posts', slug: `posts-${Date.now().toString(36)}-${++slugs}`, ...(posts ? { posts } : {}) } });
  if (response.statusCode !== 201) throw new Error(`blog not created: ${response.statusCode} ${response.body}`);
  return response.json();
};
const writeInBlog = (user: TestUser, blogId: string, body: Record<string, unknown>) =>
  herald.request({ method: 'POST', url: `${BLOGS}/${blogId}/posts`, as: user.accessToken, body });
const postCount = async (blogId: string) => (await herald.request({ method: 'GET', url: `${BLOGS}/${blogId}`, as: 'anonymous' })).json().post_count as number;
const storedCount = async (blogId: string) => (await herald.pool.query('select count(*)::int as n from posts where blog_id = $1', [blogId])).rows[0].n as number;
const outbox = async (type: string, key: string) =>
  (await herald.pool.query('select payload from outbox where event_type = $1 and message_key = $2', [type, key])).rows.map((row) => row.payload);

t.test('a post written in a blog follows the posts rules, retry included, and belongs to the blog', async (t) => {
  const blog = await createBlog(alice);
  const first = await writeInBlog(alice, blog.id, { id: ' in-blog-1', title: 'T', content: ' hello ' });
  t.equal(first.statusCode, 201, first.body);
  t.match(first.json(), { id: 'in-blog-1', blog_id: blog.id, author_id: alice.id, content: 'hello' });
  t.equal(first.headers.location, `${POSTS}/in-blog-1`);
  t.equal((await herald.request({ method: 'GET', url: `${POSTS}/in-blog-1`, as: 'anonymous' })).json().blog_id, blog.id);
  const retry = await writeInBlog(alice, blog.id, { id: 'in-blog-1', title: 'T', content: 'hello' });
  t.equal(retry.statusCode, 200, 'the same post again: the existing one');
  t.equal((await writeInBlog(alice, blog.id, { id: 'in-blog-1', content: 'other' })).statusCode, 409);
  const elsewhere = await herald.request({ method: 'POST', url: POSTS, as: alice.accessToken, body: { id: 'in-blog-1', title: 'T', content: 'hello' } });
  t.equal(elsewhere.statusCode, 409, 'the same id and text outside the blog is another post');
  const published = await outbox('PostCreated', 'in-blog-1');
  t.equal(published.length, 1, 'one PostCreated whatever the retries');
  t.equal(published[0].data.post.blog_id, blog.id);

  const bad = await writeInBlog(alice, blog.id, { content: 'x'.repeat(1001) });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().errors[0].field, 'content');
  t.equal((await writeInBlog(bob, blog.id, { content: 'not my blog' })).statusCode, 403);
  t.equal((await writeInBlog(alice, '0190a000-0000-7000-8000-000000000000', { content: 'nowhere' })).statusCode, 404);
  t.equal(await postCount(blog.id), 1);
});

t.test('post_count stays exact as posts are added and deleted, through the blog or the posts feature', async (t) => {
  const blog = await createBlog(alice, [{ content: 'a' }, { content: 'b' }]);
  t.equal(blog.post_count, 2);
  const added = (await writeInBlog(alice, blog.id, { content: 'c' })).json();
  t.equal(await postCount(blog.id), 3);
  await herald.request({ method: 'POST', url: POSTS, as: alice.accessToken, body: { content: 'outside any blog' } });
  t.equal(await postCount(blog.id), 3, 'a post outside the blog does not count');
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${added.id}`, as: alice.accessToken })).statusCode, 204);
  t.equal(await postCount(blog.id), 2, 'DELETE /api/v1/posts/{id} uncounts it');
  const nested = blog.posts.items[0];
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${nested.id}`, as: 'admin' })).statusCode, 204);
  t.equal(await postCount(blog.id), 1, 'an admin deleting it too');

  // Many writers and deleters at once.
  const existing = await Promise.all(Array.from({ length: 10 }, (_, i) => writeInBlog(alice, blog.id, { content: `batch ${i}` })));
  const responses = await Promise.all([
    ...Array.from({ length: 30 }, (_, i) => writeInBlog(alice, blog.id, { content: `concurrent ${i}` })),
    ...existing.map((response) => herald.request({ method: 'DELETE', url: `${POSTS}/${response.json().id}`, as: alice.accessToken })),
  ]);
  t.same([...new Set(responses.map((response) => response.statusCode))].sort(), [201, 204]);
  t.equal(await postCount(blog.id), 31);
  t.equal(await storedCount(blog.id), 31, 'the count is the posts there are');
});

t.test('deleting a blog deletes its posts and their comments, with a PostDeleted each and the BlogDeleted', async (t) => {
  const blog = await createBlog(alice, [{ id: 'doomed-1', content: 'one' }, { id: 'doomed-2', content: 'two' }]);
  await writeInBlog(alice, blog.id, { id: 'doomed-3', content: 'three' });
  t.equal((await herald.request({ method: 'POST', url: `${POSTS}/doomed-1/comments`, as: bob.accessToken, body: { content: 'nice' } })).statusCode, 201);
  const kept = (await herald.request({ method: 'POST', url: POSTS, as: alice.accessToken, body: { content: 'not in the blog' } })).json();

  const stale = await herald.request({ method: 'DELETE', url: `${BLOGS}/${blog.id}`, as: alice.accessToken, headers: { 'if-match': '"9"' } });
  t.equal(stale.statusCode, 412);
  t.equal(await storedCount(blog.id), 3, 'a refused deletion deletes nothing');

  const deleted = await herald.request({ method: 'DELETE', url: `${BLOGS}/${blog.id}`, as: alice.accessToken, headers: { 'if-match': '"1"' } });
  t.equal(deleted.statusCode, 204, deleted.body);
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/${blog.id}`, as: 'anonymous' })).statusCode, 404);
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/${blog.slug}`, as: 'anonymous' })).statusCode, 404);
  for (const id of ['doomed-1', 'doomed-2', 'doomed-3']) {
    t.equal((await herald.request({ method: 'GET', url: `${POSTS}/${id}`, as: 'anonymous' })).statusCode, 404, `${id} is gone`);
    const events = await outbox('PostDeleted', id);
    t.equal(events.length, 1, `one PostDeleted for ${id}`);
    t.match(events[0].data, { post_id: id, blog_id: blog.id, author_id: alice.id, version: 1 });
  }
  t.equal((await herald.pool.query("select count(*)::int as n from comments where post_id = 'doomed-1'")).rows[0].n, 0, 'comments went with their post');
  const blogDeleted = await outbox('BlogDeleted', blog.id);
  t.equal(blogDeleted.length, 1);
  t.match(blogDeleted[0].data, { blog_id: blog.id, owner_id: alice.id, version: 1 });
  t.equal((await herald.request({ method: 'GET', url: `${POSTS}/${kept.id}`, as: 'anonymous' })).statusCode, 200, 'other posts stay');
  t.equal((await herald.request({ method: 'DELETE', url: `${BLOGS}/${blog.id}`, as: alice.accessToken })).statusCode, 404);
  t.equal((await writeInBlog(alice, blog.id, { content: 'too late' })).statusCode, 404, 'nothing is written into a deleted blog');
});

t.test('a blog deleted while posts are written into it and deleted: every post goes, none outlives it, no errors', async (t) => {
  for (let round = 0; round < 3; round++) {
    const blog = await createBlog(alice, Array.from({ length: 10 }, (_, i) => ({ content: `round ${round} post ${i}` })));
    const existing: string[] = blog.posts.items.map((post: { id: string }) => post.id);
    const writes = Array.from({ length: 8 }, (_, i) => writeInBlog(alice, blog.id, { content: `racing ${i}` }));
    const deletes = existing.slice(0, 5).map((id) => herald.request({ method: 'DELETE', url: `${POSTS}/${id}`, as: alice.accessToken }));
    const removal = herald.request({ method: 'DELETE', url: `${BLOGS}/${blog.id}`, as: alice.accessToken });
    const [written, removed, blogRemoved] = await Promise.all([Promise.all(writes), Promise.all(deletes), removal]);
    t.equal(blogRemoved.statusCode, 204, blogRemoved.body);
    t.ok(written.every((response) => [201, 404].includes(response.statusCode)), `writes: ${written.map((r) => r.statusCode)}`);
    t.ok(removed.every((response) => [204, 404].includes(response.statusCode)), `deletes: ${removed.map((r) => r.statusCode)}`);
    t.equal(await storedCount(blog.id), 0, 'no post outlives its blog');
    const createdIds = [...existing, ...written.filter((response) => response.statusCode === 201).map((response) => response.json().id)];
    for (const id of createdIds) t.equal((await outbox('PostDeleted', id)).length, 1, `post ${id} has exactly one PostDeleted`);
  }
});
