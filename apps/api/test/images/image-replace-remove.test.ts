import t from 'tap';
import { createEvent, topicName, type PostImageRemovedData } from '@herald/event-schemas';
import { eventually, readTopic, startTestHerald, type TestHerald, type TestUser } from '../helpers/herald.js';
import {
  allGone,
  imageRow,
  md5Of,
  png,
  postUpload,
  publishVerdict,
  queuedRemovals,
  storedImagePost,
  uploadsTopic,
} from '../helpers/images.js';
import { specifyOwnership } from '../helpers/ownership.js';

// A post's image after the post was created: its author replaces it (or gives a text post one)
// with PUT /api/v1/posts/{id}/image, or removes it with DELETE. The old upload's objects leave
// storage either way, and PostImageRemoved says which upload went and why.

const declarationOf = (bytes: Buffer) => ({ content_type: 'image/png', size_bytes: bytes.length, md5: md5Of(bytes) });

async function textPost(herald: TestHerald, author: TestUser) {
  const created = await herald.request({ method: 'POST', url: '/api/v1/posts', as: author.accessToken, body: { content: 'words only' } });
  if (created.statusCode !== 201) throw new Error(`creating the post failed: ${created.statusCode} ${created.body}`);
  return created.json().id as string;
}

/** The PostImageRemoved events of a post published so far (waits for `count` of them). */
async function removals(herald: TestHerald, postId: string, count: number) {
  const isRemoval = (r: { event: { type: string; subject: string } }) => r.event.type === 'PostImageRemoved' && r.event.subject === postId;
  const events = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (got) => got.filter(isRemoval).length >= count);
  return events.filter(isRemoval).map((r) => r.event.data as PostImageRemovedData);
}

const ready = (herald: TestHerald, author: TestUser, post: { id: string; uploadId: string; keys: string[] }) =>
  createEvent({
    type: 'PostImageReady',
    subject: post.id,
    source: '/herald/media',
    data: { post_id: post.id, author_id: author.id, upload_id: post.uploadId, image_key: post.keys[1]!, width: 600, height: 600, source_width: 64, source_height: 64, source_type: 'image/png', size_bytes: 1024 },
  });

const herald = await startTestHerald(t, { MEDIA_SWEEP_INTERVAL_MS: '200', MEDIA_RESCAN_AFTER_SECONDS: '60' });
if (uploadsTopic(herald) === 'herald.media-uploads') await herald.transport.ensureTopics(['herald.media-uploads'], 1);
const author = await herald.signUp();

await t.test('replacing a ready image: the new one is pending with its upload, the old upload is announced gone and leaves storage', async (t) => {
  const post = await storedImagePost(herald, author);
  await publishVerdict(herald, ready(herald, author, post));
  t.ok(await eventually(async () => (await imageRow(herald, post.id)).status === 'ready'), 'the first image is ready');

  const bytes = png(2048);
  const replaced = await herald.request({ method: 'PUT', url: `/api/v1/posts/${post.id}/image`, as: author.accessToken, body: declarationOf(bytes) });
  t.equal(replaced.statusCode, 200, replaced.body);
  const body = replaced.json();
  t.same(body.image, { status: 'pending' });
  t.equal(body.id, post.id);
  const row = await imageRow(herald, post.id);
  t.not(row.upload_id, post.uploadId, 'a new upload');
  t.equal(body.upload.fields.key, `uploads/${post.id}/${row.upload_id}`, 'whose policy names its own key');
  t.same((await herald.request({ method: 'GET', url: `/api/v1/posts/${post.id}` })).json().image, { status: 'pending' }, 'readers see the new image, pending');

  t.same(await removals(herald, post.id, 1), [{ post_id: post.id, author_id: author.id, upload_id: post.uploadId, reason: 'replaced' }]);
  t.ok(await eventually(() => allGone(herald, post.keys), 15_000), "the old upload's original and JPEG are removed");
  t.equal((await postUpload(body.upload, bytes)).status, 204, 'storage takes the new upload');

  // The worker finishing the old upload late: its verdict changes nothing, and what it wrote goes.
  await publishVerdict(herald, ready(herald, author, post));
  await herald.media.stat(post.keys[1]!);
  t.same(await eventually(async () => ((await queuedRemovals(herald, post.id)).length === 0 ? [] : undefined)), [], 'nothing left queued');
  const after = await imageRow(herald, post.id);
  t.same([after.upload_id, after.status], [row.upload_id, 'pending'], 'the new image is untouched by the old verdict');
});

await t.test('the same declaration again while its upload is awaited is a retry; another one replaces it', async (t) => {
  const id = await textPost(herald, author);
  const first = png(1024);
  const put = () => herald.request({ method: 'PUT', url: `/api/v1/posts/${id}/image`, as: author.accessToken, body: declarationOf(first) });
  const created = await put();
  t.equal(created.statusCode, 201, `a text post gains an image: ${created.body}`);
  const again = await put();
  t.equal(again.statusCode, 200);
  t.equal(again.json().upload.fields.key, created.json().upload.fields.key, 'the same upload');

  const second = png(1024);
  const other = await herald.request({ method: 'PUT', url: `/api/v1/posts/${id}/image`, as: author.accessToken, body: declarationOf(second) });
  t.equal(other.statusCode, 200);
  t.not(other.json().upload.fields.key, created.json().upload.fields.key, 'another declaration gets another upload');
  const gone = await removals(herald, id, 1);
  t.equal(gone.length, 1, 'one upload went: the retry replaced nothing');
  t.equal(gone[0]!.upload_id, created.json().upload.fields.key.split('/')[2]);
});

await t.test('a text post given an image shows it in listings', async (t) => {
  const id = await textPost(herald, author);
  const listed = async () =>
    ((await herald.request({ method: 'GET', url: `/api/v1/posts?author=${author.id}&limit=100` })).json().items as { id: string; image?: unknown }[]).find((p) => p.id === id);
  t.equal((await listed())?.image, undefined);
  const put = await herald.request({ method: 'PUT', url: `/api/v1/posts/${id}/image`, as: author.accessToken, body: declarationOf(png(512)) });
  t.equal(put.statusCode, 201, put.body);
  t.same((await listed())?.image, { status: 'pending' });
});

await t.test('removing the image: the post stays without one, the upload leaves storage, and a second removal is 404', async (t) => {
  const post = await storedImagePost(herald, author);
  const removed = await herald.request({ method: 'DELETE', url: `/api/v1/posts/${post.id}/image`, as: author.accessToken });
  t.equal(removed.statusCode, 204, removed.body);
  const read = await herald.request({ method: 'GET', url: `/api/v1/posts/${post.id}` });
  t.equal(read.statusCode, 200, 'the post stays');
  t.equal(read.json().image, undefined, 'without an image');
  t.notOk(await imageRow(herald, post.id));
  t.same(await removals(herald, post.id, 1), [{ post_id: post.id, author_id: author.id, upload_id: post.uploadId, reason: 'removed' }]);
  t.ok(await eventually(() => allGone(herald, post.keys), 15_000), 'its objects are removed');

  const again = await herald.request({ method: 'DELETE', url: `/api/v1/posts/${post.id}/image`, as: author.accessToken });
  t.equal(again.statusCode, 404);
  t.match(again.headers['content-type'], /application\/problem\+json/);
  const listed = (await herald.request({ method: 'GET', url: `/api/v1/posts?author=${author.id}&limit=100` })).json().items as { id: string; image?: unknown }[];
  t.equal(listed.find((p) => p.id === post.id)?.image, undefined, 'listings show none either');
});

await t.test('a post that does not exist: 404; a bad declaration: 400 naming the field, and nothing changes', async (t) => {
  const missing = await herald.request({ method: 'PUT', url: '/api/v1/posts/no-such-post/image', as: author.accessToken, body: declarationOf(png(64)) });
  t.equal(missing.statusCode, 404);
  t.equal((await herald.request({ method: 'DELETE', url: '/api/v1/posts/no-such-post/image', as: author.accessToken })).statusCode, 404);

  const id = await textPost(herald, author);
  for (const [field, body] of [
    ['size_bytes', { ...declarationOf(png(64)), size_bytes: 0 }],
    ['content_type', { ...declarationOf(png(64)), content_type: 'image/gif' }],
    ['md5', { content_type: 'image/png', size_bytes: 64 }],
  ] as const) {
    const refused = await herald.request({ method: 'PUT', url: `/api/v1/posts/${id}/image`, as: author.accessToken, body });
    t.equal(refused.statusCode, 400, field);
    t.match(refused.body, field, `the problem names ${field}`);
  }
  t.notOk(await imageRow(herald, id), 'no image was declared');
});

await specifyOwnership(t, herald, "a post's image", async (owner: TestUser) => {
  const id = await textPost(herald, owner);
  return {
    changes: [
      { method: 'PUT', url: `/api/v1/posts/${id}/image`, body: declarationOf(png(256)) },
      { method: 'DELETE', url: `/api/v1/posts/${id}/image` },
    ],
    read: () => imageRow(herald, id),
  };
});
