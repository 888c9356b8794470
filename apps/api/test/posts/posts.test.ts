import t from 'tap';
import { topicName } from '@herald/event-schemas';
import { eventually, readTopic, startTestHerald, type TestUser } from '../helpers/herald.js';
import { specifyOwnership } from '../helpers/ownership.js';

/** Posts and comments through the REST surface: creation rules, edits, listings, counts, events. */

const herald = await startTestHerald(t);
const POSTS = '/api/v1/posts';
const alice = await herald.signUp();
const bob = await herald.signUp();

const create = (user: TestUser, body: unknown) => herald.request({ method: 'POST', url: POSTS, as: user.accessToken, body });
const comment = (user: TestUser, postId: string, content: string) =>
  herald.request({ method: 'POST', url: `${POSTS}/${postId}/comments`, as: user.accessToken, body: { content } });

t.test('a post is created by its signed-in author, trimmed, with a UUIDv7 id unless the client chose one', async (t) => {
  const response = await create(alice, { title: '  Hello ', content: '   first post\n' });
  t.equal(response.statusCode, 201, response.body);
  const post = response.json();
  t.match(post, { author_id: alice.id, author: { handle: alice.handle }, title: 'Hello', content: 'first post', comment_count: 0, view_count: 0, latest_comments: [], version: 1, blog_id: null });
  t.match(post.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  t.equal(response.headers.location, `${POSTS}/${post.id}`);
  const anonymous = await herald.request({ method: 'POST', url: POSTS, as: 'anonymous', body: { content: 'x' } });
  t.equal(anonymous.statusCode, 401);
});

t.test('a client-chosen id makes creation safe to retry: same content 200, different content 409', async (t) => {
  const first = await create(alice, { id: '    10', content: 'retry me' });
  t.equal(first.statusCode, 201);
  t.equal(first.json().id, '10', 'surrounding whitespace is trimmed from the id');
  const again = await create(alice, { id: '10', content: 'retry me' });
  t.equal(again.statusCode, 200);
  t.same(again.json().id, '10');
  const different = await create(alice, { id: '10', content: 'something else' });
  t.equal(different.statusCode, 409);
  t.equal(different.json().errors[0].field, 'id');
  const otherAuthor = await create(bob, { id: '10', content: 'retry me' });
  t.equal(otherAuthor.statusCode, 409, "another author cannot claim someone else's id");
  const { rows } = await herald.pool.query("select count(*)::int as n from outbox where event_type = 'PostCreated' and message_key = '10'");
  t.equal(rows[0].n, 1, 'one PostCreated, whatever the retries');
});

t.test('bad posts are 400s naming the field', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ id: 'has space', content: 'x' }, 'id'],
    [{ id: 'é', content: 'x' }, 'id'],
    [{ id: 'x'.repeat(65), content: 'x' }, 'id'],
    [{ id: 'stats', content: 'x' }, 'id'],
    [{ content: '' }, 'content'],
    [{ content: '   \n\t ' }, 'content'],
    [{ content: 'x'.repeat(1001) }, 'content'],
    [{ content: 'x', title: 't'.repeat(201) }, 'title'],
    [{ content: 'x', extra: 1 }, 'extra'],
  ];
  for (const [body, field] of cases) {
    const response = await create(alice, body);
    t.equal(response.statusCode, 400, JSON.stringify(body).slice(0, 60));
    t.ok(response.json().errors?.some((e: { field: string }) => e.field === field), `names ${field}: ${response.body.slice(0, 200)}`);
  }
  const tooLong = await create(alice, { content: 'x'.repeat(1001) });
  t.match(tooLong.json().errors[0].message, /1 to 1000 characters/, 'the message says the rule, not the regular expression');
  t.notMatch(tooLong.json().errors[0].message, /\\u|\[\^/);
  const padded = await create(alice, { content: `  ${'x'.repeat(1000)}  ` });
  t.equal(padded.statusCode, 201, '1000 characters after trimming are fine');
  const emoji = await create(alice, { content: '😀'.repeat(1000) });
  t.equal(emoji.statusCode, 201, 'characters are counted, not bytes or UTF-16 units');
  t.equal([...emoji.json().content].length, 1000);
});

t.test('reading a post counts views without a write per read; they reach the database in batches', async (t) => {
  const post = (await create(alice, { content: 'read me' })).json();
  for (let i = 0; i < 5; i++) await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' });
  const read = await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' });
  t.equal(read.json().view_count, 6);
  await eventually(async () => (await herald.pool.query('select view_count::int as n from posts where id = $1', [post.id])).rows[0].n === 6, 10_000);
});

t.test('editing: author only, If-Match, PostUpdated names what changed', async (t) => {
  const post = (await create(alice, { title: 'T', content: 'before' })).json();
  const stale = await herald.request({ method: 'PATCH', url: `${POSTS}/${post.id}`, as: alice.accessToken, headers: { 'if-match': '"7"' }, body: { content: 'after' } });
  t.equal(stale.statusCode, 412);
  const edited = await herald.request({ method: 'PATCH', url: `${POSTS}/${post.id}`, as: alice.accessToken, headers: { 'if-match': '"1"' }, body: { content: ' after ', title: 'T' } });
  t.equal(edited.statusCode, 200, edited.body);
  t.match(edited.json(), { content: 'after', version: 2 });
  t.equal(edited.headers.etag, '"2"');
  const events = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (r) => r.some((e) => e.event.type === 'PostUpdated' && e.event.subject === post.id));
  const updated = events.find((e) => e.event.type === 'PostUpdated' && e.event.subject === post.id)!;
  t.same((updated.event.data as { changed: string[] }).changed, ['content']);
  t.equal(updated.record.key, post.id);
});

await specifyOwnership(t, herald, 'post', async (owner) => {
  const post = (await create(owner, { content: 'owned' })).json();
  return {
    changes: [{ method: 'PATCH', url: `${POSTS}/${post.id}`, body: { content: 'changed by its author' } }],
    deletes: [{ method: 'DELETE', url: `${POSTS}/${post.id}` }],
    read: async () => (await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' })).json().content,
  };
});

await specifyOwnership(t, herald, 'comment', async (owner) => {
  const post = (await create(bob, { content: 'a post by bob' })).json();
  const added = (await comment(owner, post.id, 'owned comment')).json();
  return {
    changes: [],
    deletes: [{ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${added.id}` }],
    read: async () => (await herald.request({ method: 'GET', url: `${POSTS}/${post.id}/comments`, as: 'anonymous' })).json().items.length,
  };
});

t.test("the post's author may delete comments on it; the comment's author too; others get 403", async (t) => {
  const post = (await create(alice, { content: 'comments welcome' })).json();
  const byBob = (await comment(bob, post.id, 'from bob')).json();
  const carol = await herald.signUp();
  const byCarol = (await comment(carol, post.id, 'from carol')).json();
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${byBob.id}`, as: carol.accessToken })).statusCode, 403);
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${byBob.id}`, as: alice.accessToken })).statusCode, 204, "the post's author");
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${byCarol.id}`, as: carol.accessToken })).statusCode, 204, "the comment's author");
  const after = (await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' })).json();
  t.equal(after.comment_count, 0);
});

t.test('concurrent comments leave an exact comment_count', async (t) => {
  const post = (await create(alice, { content: 'popular' })).json();
  const users = [alice, bob, await herald.signUp(), await herald.signUp()];
  const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => comment(users[i % users.length]!, post.id, `comment ${i}`)));
  t.same([...new Set(responses.map((r) => r.statusCode))], [201]);
  const read = (await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' })).json();
  t.equal(read.comment_count, 60);
  const { rows } = await herald.pool.query('select count(*)::int as n from comments where post_id = $1', [post.id]);
  t.equal(rows[0].n, 60);
  const newest = await herald.pool.query('select id from comments where post_id = $1 order by created_at desc, id desc limit 2', [post.id]);
  t.same(read.latest_comments.map((c: { id: string }) => c.id), newest.rows.map((r) => r.id), 'the two newest of the table, whatever order they committed in');
});

t.test("a post's two newest comments follow additions, deletions and their authors' renames", async (t) => {
  const post = (await create(alice, { content: 'a thread to preview' })).json();
  const carol = await herald.signUp();
  const first = (await comment(bob, post.id, 'first')).json();
  const second = (await comment(carol, post.id, 'second')).json();
  const third = (await comment(bob, post.id, 'third')).json();
  const preview = async () => {
    const single = (await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' })).json();
    const listed = (await herald.request({ method: 'GET', url: `${POSTS}?author=${alice.id}&limit=100`, as: 'anonymous' })).json().items.find((p: { id: string }) => p.id === post.id);
    // Listings are built by PostgreSQL, single posts by the API: the same post either way (views
    // aside: a read counts itself at once, a listing shows the counts written so far).
    t.same({ ...listed, view_count: 0 }, { ...single, view_count: 0 }, 'the listing shows what the post shows');
    return single.latest_comments as Array<{ id: string; content: string; author: { display_name: string } }>;
  };
  t.same((await preview()).map((c) => c.content), ['third', 'second']);

  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${third.id}`, as: bob.accessToken })).statusCode, 204);
  t.same((await preview()).map((c) => c.content), ['second', 'first'], 'deleting one of the two brings the next older back');
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${first.id}`, as: bob.accessToken })).statusCode, 204);
  t.same((await preview()).map((c) => c.id), [second.id]);

  const renamed = await herald.request({ method: 'PATCH', url: '/api/v1/me', body: { display_name: 'Carol Renamed' }, as: carol.accessToken });
  t.equal(renamed.statusCode, 200, renamed.body);
  t.equal((await preview())[0]!.author.display_name, 'Carol Renamed', "a commenter's new name shows in the preview");
  const aliceRenamed = await herald.request({ method: 'PATCH', url: '/api/v1/me', body: { display_name: 'Alice Renamed' }, as: alice.accessToken });
  t.equal(aliceRenamed.statusCode, 200, aliceRenamed.body);
  const listed = (await herald.request({ method: 'GET', url: `${POSTS}?author=${alice.id}&limit=100`, as: 'anonymous' })).json().items;
  t.ok(listed.length > 0 && listed.every((p: { author: { display_name: string } }) => p.author.display_name === 'Alice Renamed'), "an author's new name shows on every post of theirs");

  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}/comments/${second.id}`, as: carol.accessToken })).statusCode, 204);
  t.same(await preview(), [], 'no comments, no preview');
});

t.test('a page of posts is one query whatever its size; image posts add one lookup for the whole page', async (t) => {
  const author = await herald.signUp();
  for (let i = 0; i < 30; i++) await create(author, { content: `counted ${i}` });
  for (let i = 0; i < 3; i++) {
    const imagePost = await create(author, { content: `picture ${i}`, image: { content_type: 'image/png', size_bytes: 100, md5: '1B2M2Y8AsgTpgAmY7PhCfg==' } });
    t.equal(imagePost.statusCode, 201, imagePost.body);
  }
  // Counts the statements the API sends for listings and image lookups, by their prepared names;
  // not the view counts' flush, which runs on a timer of its own whatever is being read.
  const sent: string[] = [];
  const query = herald.pool.query.bind(herald.pool);
  herald.pool.query = ((config: unknown, ...rest: unknown[]) => {
    const name = (config as { name?: string } | null)?.name;
    if (name && name !== 'posts-add-views' && (name.startsWith('posts-') || name.startsWith('post-images'))) sent.push(name);
    return (query as (...args: unknown[]) => unknown)(config, ...rest);
  }) as typeof herald.pool.query;
  t.teardown(() => {
    herald.pool.query = query;
  });
  const list = async (url: string) => {
    sent.length = 0;
    const response = await herald.request({ method: 'GET', url, as: 'anonymous' });
    t.equal(response.statusCode, 200, response.body);
    return { items: response.json().items as Array<{ content: string; image?: unknown }>, queries: [...sent] };
  };
  const textOnly = await list(`${POSTS}?author=${author.id}&limit=25&sort=comments&cursor=${encodeURIComponent(await cursorPastImages())}`);
  t.equal(textOnly.items.length, 25);
  t.same(textOnly.queries, ['posts-list-comments-ac'], 'a page of 25 text posts: one query');
  const small = await list(`${POSTS}?author=${author.id}&limit=2`);
  t.same(small.queries.filter((q) => q.startsWith('posts-')).length, 1);
  const mixed = await list(`${POSTS}?author=${author.id}&limit=20`);
  t.equal(mixed.items.filter((p) => p.image).length, 3);
  t.same(mixed.queries, ['posts-list-recent-a', 'post-images-by-posts'], 'with image posts in it: one lookup for all of them');

  /** A cursor after the three image posts (the newest) in the author's most-commented order. */
  async function cursorPastImages() {
    const page = (await herald.request({ method: 'GET', url: `${POSTS}?author=${author.id}&limit=3&sort=comments`, as: 'anonymous' })).json();
    t.ok(page.items.every((p: { image?: unknown }) => p.image), 'the three image posts come first');
    return page.next_cursor as string;
  }
});

t.test('comments are listed newest first with a cursor; commenting on a missing post is a 404', async (t) => {
  const post = (await create(alice, { content: 'thread' })).json();
  for (let i = 0; i < 7; i++) await comment(bob, post.id, `c${i}`);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ content: string }>; next_cursor: string | null } = (
      await herald.request({ method: 'GET', url: `${POSTS}/${post.id}/comments?limit=3${cursor ? `&cursor=${cursor}` : ''}`, as: 'anonymous' })
    ).json();
    seen.push(...page.items.map((c) => c.content));
    cursor = page.next_cursor;
  } while (cursor);
  t.same(seen, ['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
  t.equal((await comment(bob, 'no-such-post', 'hello')).statusCode, 404);
  t.equal((await comment(bob, post.id, ' '.repeat(3))).statusCode, 400);
  t.equal((await comment(bob, post.id, 'x'.repeat(256))).statusCode, 400);
});

t.test('sort=comments pages through an unchanging set returning each post once, most commented first', async (t) => {
  const author = await herald.signUp();
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) {
    const post = (await create(author, { content: `ranked ${i}` })).json();
    ids.push(post.id);
    for (let c = 0; c < i % 4; c++) await comment(bob, post.id, 'x');
  }
  const seen: Array<{ id: string; comment_count: number }> = [];
  let cursor: string | null = null;
  let queries = 0;
  do {
    const response = await herald.request({ method: 'GET', url: `${POSTS}?sort=comments&author=${author.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, as: 'anonymous' });
    t.equal(response.statusCode, 200, response.body);
    const page = response.json();
    seen.push(...page.items);
    cursor = page.next_cursor;
    queries++;
  } while (cursor);
  t.same(seen.map((p) => p.id).sort(), [...ids].sort(), 'every post exactly once');
  t.equal(new Set(seen.map((p) => p.id)).size, 9);
  const counts = seen.map((p) => p.comment_count);
  t.same(counts, [...counts].sort((a, b) => b - a), 'most commented first');
  const recent = (await herald.request({ method: 'GET', url: `${POSTS}?author=${author.id}&limit=100`, as: 'anonymous' })).json();
  t.same(recent.items.map((p: { id: string }) => p.id), [...ids].reverse(), 'sort=recent: newest first');
  const malformed = await herald.request({ method: 'GET', url: `${POSTS}?cursor=not-a-cursor`, as: 'anonymous' });
  t.equal(malformed.statusCode, 400, 'a cursor not of the contract form is refused');
  t.equal(malformed.json().errors[0].field, 'cursor');
});

t.test('deleting a post deletes its comments and publishes PostDeleted', async (t) => {
  const post = (await create(alice, { content: 'short-lived' })).json();
  await comment(bob, post.id, 'bye');
  t.equal((await herald.request({ method: 'DELETE', url: `${POSTS}/${post.id}`, as: alice.accessToken })).statusCode, 204);
  t.equal((await herald.request({ method: 'GET', url: `${POSTS}/${post.id}`, as: 'anonymous' })).statusCode, 404);
  const { rows } = await herald.pool.query('select count(*)::int as n from comments where post_id = $1', [post.id]);
  t.equal(rows[0].n, 0);
  const events = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (r) => r.some((e) => e.event.type === 'PostDeleted' && e.event.subject === post.id));
  t.ok(events.some((e) => e.event.type === 'CommentAdded' && e.record.key === post.id), 'comments are keyed by their post');
});

t.test('the deprecated create_post alias follows the same rules and says it is deprecated', async (t) => {
  const response = await herald.request({ method: 'POST', url: `${POSTS}/create_post`, as: alice.accessToken, body: { post_id: 'legacy-1', content: ',,,dwhuw dhuwhdihu wjfiej,,' } });
  t.equal(response.statusCode, 201, response.body);
  t.equal(response.headers.deprecation, 'true');
  t.equal((await herald.request({ method: 'POST', url: `${POSTS}/create_post`, as: 'anonymous', body: { post_id: 'legacy-2', content: 'x' } })).statusCode, 401);
  t.equal((await herald.request({ method: 'POST', url: `${POSTS}/create_post`, as: alice.accessToken, body: { post_id: 'legacy-1', content: 'other' } })).statusCode, 409);
});
