import t from 'tap';
import { topicName } from '@herald/event-schemas';
import { readTopic, startTestHerald, type TestUser } from '../helpers/herald.js';
import { specifyOwnership } from '../helpers/ownership.js';

/** Blogs through the REST surface: nested creation, slugs, reads with their posts, edits, events. */

const herald = await startTestHerald(t);
const BLOGS = '/api/v1/blogs';
const POSTS = '/api/v1/posts';
const alice = await herald.signUp();
const bob = await herald.signUp();

let slugs = 0;
const freshSlug = (stem = 'blog') => `${stem}-${Date.now().toString(36)}-${++slugs}`;
const createBlog = (user: TestUser, body: Record<string, unknown>) =>
  herald.request({ method: 'POST', url: BLOGS, as: user.accessToken, body: { name: 'A blog', slug: freshSlug(), ...body } });
const outboxRows = async () => (await herald.pool.query('select count(*)::int as n from outbox')).rows[0].n as number;
const fieldsOf = (response: { json: () => { errors?: Array<{ field: string }> } }) => (response.json().errors ?? []).map((e) => e.field).sort();

t.test('a blog is created by its signed-in owner, trimmed, with BlogCreated keyed by its id', async (t) => {
  const slug = freshSlug('first');
  const response = await createBlog(alice, { name: '  Field notes ', slug, description: ' about things\n' });
  t.equal(response.statusCode, 201, response.body);
  const blog = response.json();
  t.match(blog, { owner_id: alice.id, name: 'Field notes', slug, description: 'about things', post_count: 0, version: 1 });
  t.match(blog.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  t.notOk('posts' in blog, 'no posts asked for, none listed');
  t.equal(response.headers.location, `${BLOGS}/${blog.id}`);
  t.equal(response.headers.etag, '"1"');
  const { rows } = await herald.pool.query("select topic, message_key from outbox where event_type = 'BlogCreated' and message_key = $1", [blog.id]);
  t.same(rows, [{ topic: topicName('blogs', herald.topicPrefix), message_key: blog.id }]);
  t.equal((await herald.request({ method: 'POST', url: BLOGS, as: 'anonymous', body: { name: 'x', slug: freshSlug() } })).statusCode, 401);
});

t.test('a blog created with posts: one transaction, BlogCreated and one PostCreated per post, each keyed by its aggregate', async (t) => {
  const response = await createBlog(alice, {
    posts: [{ content: 'one' }, { id: '  nested-chosen-1 ', title: ' Two ', content: ' two ' }, { content: 'three' }],
  });
  t.equal(response.statusCode, 201, response.body);
  const blog = response.json();
  t.equal(blog.post_count, 3);
  t.equal(blog.posts.items.length, 3);
  t.equal(blog.posts.next_cursor, null);
  t.ok(blog.posts.items.every((post: { blog_id: string; author_id: string }) => post.blog_id === blog.id && post.author_id === alice.id));
  t.match(blog.posts.items.find((post: { id: string }) => post.id === 'nested-chosen-1'), { title: 'Two', content: 'two' });
  const postIds = blog.posts.items.map((post: { id: string }) => post.id).sort();

  const blogEvents = await readTopic(herald.transport, topicName('blogs', herald.topicPrefix), (r) => r.some((e) => e.event.subject === blog.id));
  const created = blogEvents.filter((e) => e.event.subject === blog.id);
  t.same(created.map((e) => [e.event.type, e.record.key]), [['BlogCreated', blog.id]], 'one BlogCreated, keyed by the blog id');
  const postEvents = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (r) => postIds.every((id: string) => r.some((e) => e.event.subject === id)));
  const mine = postEvents.filter((e) => postIds.includes(e.event.subject));
  t.same(mine.map((e) => e.event.type), ['PostCreated', 'PostCreated', 'PostCreated'], 'one PostCreated per post');
  t.ok(mine.every((e) => e.record.key === e.event.subject), 'each keyed by its post id');
  t.ok(mine.every((e) => (e.event.data as { post: { blog_id: string } }).post.blog_id === blog.id), 'each names the blog');
});

t.test('an invalid post creates nothing: no blog, no post, no outbox row; every bad field is named', async (t) => {
  const before = await outboxRows();
  const slug = freshSlug('never');
  const posts = (fourth: Record<string, unknown>) => [{ id: 'never-0', content: 'fine' }, { content: 'fine' }, { content: 'fine' }, fourth, { content: 'fine' }];

  // The service's rules (lengths after trimming, reserved ids), for every post at once.
  const overlong = await herald.request({
    method: 'POST',
    url: BLOGS,
    as: alice.accessToken,
    body: { name: 'Never', slug, posts: [...posts({ content: 'x'.repeat(1001) }), { id: 'stats', content: 'x' }] },
  });
  t.equal(overlong.statusCode, 400, overlong.body);
  t.same(fieldsOf(overlong), ['posts[3].content', 'posts[5].id']);

  // The contract's rules: the same field names.
  const blank = await herald.request({ method: 'POST', url: BLOGS, as: alice.accessToken, body: { name: 'Never', slug, posts: [...posts({ content: '  ' }), { content: 'x', extra: 1 }] } });
  t.equal(blank.statusCode, 400, blank.body);
  t.same(fieldsOf(blank), ['posts[3].content', 'posts[5].extra']);

  const repeated = await herald.request({ method: 'POST', url: BLOGS, as: alice.accessToken, body: { name: 'Never', slug, posts: [{ id: 'same', content: 'a' }, { id: ' same', content: 'b' }] } });
  t.equal(repeated.statusCode, 409, repeated.body);
  t.same(fieldsOf(repeated), ['posts[1].id']);

  const tooMany = await herald.request({ method: 'POST', url: BLOGS, as: alice.accessToken, body: { name: 'Never', slug, posts: Array.from({ length: 101 }, () => ({ content: 'x' })) } });
  t.equal(tooMany.statusCode, 400, 'at most 100 posts');

  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/${slug}`, as: 'anonymous' })).statusCode, 404, 'no blog');
  t.equal((await herald.pool.query("select count(*)::int as n from posts where id in ('never-0', 'same')")).rows[0].n, 0, 'no post');
  t.equal(await outboxRows(), before, 'no outbox row');
});

t.test('a slug in use or a post id taken is a 409 naming each, and nothing is created', async (t) => {
  const existing = (await createBlog(alice, { posts: [{ id: 'taken-by-alice', content: 'mine' }] })).json();
  const before = await outboxRows();
  const slug = freshSlug('fresh');

  const takenSlug = await createBlog(bob, { slug: existing.slug });
  t.equal(takenSlug.statusCode, 409);
  t.same(fieldsOf(takenSlug), ['slug']);

  const takenId = await createBlog(bob, { slug, posts: [{ content: 'ok' }, { content: 'ok' }, { id: 'taken-by-alice', content: 'mine' }] });
  t.equal(takenId.statusCode, 409, takenId.body);
  t.same(fieldsOf(takenId), ['posts[2].id']);

  const both = await createBlog(bob, { slug: existing.slug, posts: [{ id: 'taken-by-alice', content: 'x' }] });
  t.equal(both.statusCode, 409);
  t.same(fieldsOf(both), ['posts[0].id', 'slug'], 'every conflict at once');

  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/${slug}`, as: 'anonymous' })).statusCode, 404);
  t.equal(await outboxRows(), before, 'no outbox row');
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/${existing.id}`, as: 'anonymous' })).json().post_count, 1);
});

t.test('a blog is read by id or by slug, alike; unknown ones are 404s, malformed ones 400s', async (t) => {
  const blog = (await createBlog(alice, { description: 'by slug' })).json();
  const byId = await herald.request({ method: 'GET', url: `${BLOGS}/${blog.id}`, as: 'anonymous' });
  const bySlug = await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/${blog.slug}`, as: 'anonymous' });
  t.equal(byId.statusCode, 200);
  t.same(bySlug.json(), byId.json());
  t.same(byId.json(), blog);
  t.equal(bySlug.headers.etag, '"1"');
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/no-such-blog-anywhere`, as: 'anonymous' })).statusCode, 404);
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/0190a000-0000-7000-8000-000000000000`, as: 'anonymous' })).statusCode, 404);
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/Not_A-Slug`, as: 'anonymous' })).statusCode, 400);
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/not-a-uuid`, as: 'anonymous' })).statusCode, 400);
  for (const bad of ['UPPER', 'two--hyphens', '-leading', 'trailing-', 'x'.repeat(101), 'sp ace']) {
    const response = await createBlog(alice, { slug: bad });
    t.equal(response.statusCode, 400, `slug ${bad}`);
    t.same(fieldsOf(response), ['slug']);
  }
});

t.test('include=posts brings the first page of posts, and its cursor continues with GET /posts?blog=', async (t) => {
  const blog = (await createBlog(alice, { posts: Array.from({ length: 25 }, (_, i) => ({ id: `paged-${String(i).padStart(2, '0')}`, content: `post ${i}` })) })).json();
  t.equal(blog.post_count, 25);
  t.equal(blog.posts.items.length, 25, 'the creation answers with all of a new blog’s posts');
  for (const url of [`${BLOGS}/${blog.id}?include=posts`, `${BLOGS}/by-slug/${blog.slug}?include=posts`]) {
    const first = (await herald.request({ method: 'GET', url, as: 'anonymous' })).json();
    t.equal(first.posts.items.length, 20, url);
    t.type(first.posts.next_cursor, 'string');
    const rest = await herald.request({ method: 'GET', url: `${POSTS}?blog=${blog.id}&cursor=${first.posts.next_cursor}`, as: 'anonymous' });
    t.equal(rest.statusCode, 200, rest.body);
    t.equal(rest.json().next_cursor, null);
    const seen = [...first.posts.items, ...rest.json().items].map((post: { id: string }) => post.id);
    t.equal(new Set(seen).size, 25, 'each post once');
    t.same([...seen].sort(), blog.posts.items.map((post: { id: string }) => post.id).sort());
    const listing = (await herald.request({ method: 'GET', url: `${POSTS}?blog=${blog.id}`, as: 'anonymous' })).json();
    t.same(first.posts, listing, 'the same page as the posts listing of the blog');
  }
  t.notOk('posts' in (await herald.request({ method: 'GET', url: `${BLOGS}/${blog.id}`, as: 'anonymous' })).json(), 'no posts unless asked');
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/${blog.id}?include=comments`, as: 'anonymous' })).statusCode, 400);
});

t.test('blogs are listed newest first with a cursor, optionally those of one owner', async (t) => {
  const owner = await herald.signUp();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await createBlog(owner, { name: `Blog ${i}` })).json().id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const response = await herald.request({ method: 'GET', url: `${BLOGS}?owner=${owner.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, as: 'anonymous' });
    t.equal(response.statusCode, 200, response.body);
    const page: { items: Array<{ id: string }>; next_cursor: string | null } = response.json();
    t.ok(page.items.length <= 2);
    seen.push(...page.items.map((blog) => blog.id));
    cursor = page.next_cursor;
  } while (cursor);
  t.same(seen, [...ids].reverse(), 'newest first, each once');
  const all = (await herald.request({ method: 'GET', url: `${BLOGS}?limit=100`, as: 'anonymous' })).json();
  t.ok(all.items.length > 5, 'without owner: everyone’s');
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}?cursor=bm90LWEtY3Vyc29y`, as: 'anonymous' })).statusCode, 400, 'a cursor it did not issue');
  const postCursor = (await herald.request({ method: 'GET', url: `${POSTS}?limit=1`, as: 'anonymous' })).json().next_cursor;
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}?cursor=${postCursor}`, as: 'anonymous' })).statusCode, 400, "a cursor of another listing");
});

t.test('editing: owner only, If-Match, a new slug must be free, BlogUpdated names what changed', async (t) => {
  const blog = (await createBlog(alice, { name: 'Before', description: 'same' })).json();
  const url = `${BLOGS}/${blog.id}`;
  const stale = await herald.request({ method: 'PATCH', url, as: alice.accessToken, headers: { 'if-match': '"7"' }, body: { name: 'After' } });
  t.equal(stale.statusCode, 412);
  const taken = (await createBlog(bob, {})).json();
  const clash = await herald.request({ method: 'PATCH', url, as: alice.accessToken, body: { slug: taken.slug } });
  t.equal(clash.statusCode, 409);
  t.same(fieldsOf(clash), ['slug']);

  const newSlug = freshSlug('renamed');
  const edited = await herald.request({ method: 'PATCH', url, as: alice.accessToken, headers: { 'if-match': '"1"' }, body: { name: ' After ', slug: newSlug, description: 'same' } });
  t.equal(edited.statusCode, 200, edited.body);
  t.match(edited.json(), { name: 'After', slug: newSlug, description: 'same', version: 2 });
  t.equal(edited.headers.etag, '"2"');
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/${blog.slug}`, as: 'anonymous' })).statusCode, 404, 'the old slug is free');
  t.equal((await herald.request({ method: 'GET', url: `${BLOGS}/by-slug/${newSlug}`, as: 'anonymous' })).json().id, blog.id);

  const unchanged = await herald.request({ method: 'PATCH', url, as: alice.accessToken, headers: { 'content-type': 'application/merge-patch+json' }, body: { name: 'After' } });
  t.equal(unchanged.statusCode, 200);
  t.equal(unchanged.json().version, 2, 'nothing changed: same version');

  const { rows } = await herald.pool.query("select payload from outbox where event_type = 'BlogUpdated' and message_key = $1", [blog.id]);
  t.equal(rows.length, 1, 'one BlogUpdated: a request that changed nothing published nothing');
  t.same(rows[0].payload.data.changed, ['name', 'slug']);
  t.match(rows[0].payload.data.blog, { name: 'After', slug: newSlug, version: 2 });
});

await specifyOwnership(t, herald, 'blog', async (owner) => {
  const blog = (await createBlog(owner, { posts: [{ content: 'owned' }] })).json();
  return {
    changes: [
      { method: 'PATCH', url: `${BLOGS}/${blog.id}`, body: { description: 'changed by its owner' } },
      { method: 'POST', url: `${BLOGS}/${blog.id}/posts`, body: { content: 'written by its owner' } },
    ],
    deletes: [{ method: 'DELETE', url: `${BLOGS}/${blog.id}` }],
    read: async () => (await herald.request({ method: 'GET', url: `${BLOGS}/${blog.id}?include=posts`, as: 'anonymous' })).json(),
  };
});

t.test('a blog with 100 posts of 1000 four-byte characters each is accepted, over the global body limit', async (t) => {
  const posts = Array.from({ length: 100 }, (_, i) => ({ title: `Post ${i}`, content: '𝄞'.repeat(1000) }));
  const body = { name: 'Large', slug: freshSlug('large'), posts };
  t.ok(Buffer.byteLength(JSON.stringify(body)) > 65_536, 'the body is larger than BODY_LIMIT_BYTES');
  const response = await herald.request({ method: 'POST', url: BLOGS, as: alice.accessToken, body });
  t.equal(response.statusCode, 201, response.body.slice(0, 200));
  t.equal(response.json().post_count, 100);
  const other = await herald.request({ method: 'POST', url: POSTS, as: alice.accessToken, body: { content: 'x'.repeat(70_000) } });
  t.equal(other.statusCode, 413, 'other operations keep the global limit');
});
