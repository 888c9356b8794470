import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createEvent, mediaUploadsTopicName, topicName } from '@herald/event-schemas';
import { createS3Client, startEmbeddedS3 } from '@herald/notifier';
import { findFreePort } from '@herald/stack';
import { eventually, readTopic, startTestHerald, type TestHerald, type TestUser } from '../helpers/herald.js';
import {
  allGone,
  createImagePost,
  imageRow,
  md5Of,
  objectExists,
  png,
  postUpload,
  publishVerdict,
  queuedRemovals,
  storageClient,
  storedImagePost,
  uploadsTopic,
} from '../helpers/images.js';
import { specifyOwnership } from '../helpers/ownership.js';

// Image posts, API side, on the storage of this run: the in-process S3 (npm test) or MinIO with
// its Kafka notifications (npm run test:stack). The media worker's verdicts are published here by
// the test itself; the worker's own tests go through it end to end.

const MiB = 1024 * 1024;

interface Multipart {
  upload_id: string;
  part_count: number;
  part_size_bytes: number;
  parts_received: { part_number: number; etag: string; size_bytes: number }[];
  parts_missing: { part_number: number; size_bytes: number; url: string }[];
}
const herald = await startTestHerald(t, { MEDIA_SWEEP_INTERVAL_MS: '200', MEDIA_RESCAN_AFTER_SECONDS: '60' });
if (uploadsTopic(herald) === 'herald.media-uploads') await herald.transport.ensureTopics(['herald.media-uploads'], 1);
const author = await herald.signUp();

await t.test('a presigned POST upload is stored; the completion call announces it, and the verdict makes the image ready', async (t) => {
  const bytes = png(4096);
  const created = await createImagePost(herald, author, bytes);
  t.same(created.image, { status: 'pending' });
  t.equal(created.upload.method, 'POST');
  t.match(created.upload.fields, { key: /^uploads\//, 'Content-Type': 'image/png', 'x-amz-meta-post-id': created.id, 'x-amz-meta-expected-md5': md5Of(bytes) });
  const row = await imageRow(herald, created.id);
  t.equal(row.object_key, `uploads/${created.id}/${row.upload_id}`);

  const stored = await postUpload(created.upload, bytes);
  t.equal(stored.status, 204, `storage took the upload: ${await stored.text()}`);
  t.ok(await objectExists(herald, row.object_key));

  // The storage itself announces it on herald.media-uploads.
  const notifications = await readTopic(herald.transport, uploadsTopic(herald), (got) => got.some((r) => r.record.value.includes(encodeURIComponent(row.object_key))));
  const notification = notifications.map((r) => JSON.parse(r.record.value)).find((n) => n.Records?.[0]?.s3?.object?.key === encodeURIComponent(row.object_key));
  t.ok(notification, 'the storage notification arrived');
  t.match(notification.Records[0].eventName, /^s3:ObjectCreated:/);
  t.equal(notification.Records[0].s3.bucket.name, herald.media.bucket);
  t.equal(notification.Records[0].s3.object.size, bytes.length);

  const completed = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete`, as: author.accessToken });
  t.equal(completed.statusCode, 202, completed.body);
  t.same(completed.json().image, { status: 'pending' });
  const again = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete`, as: author.accessToken });
  t.equal(again.statusCode, 202, 'completing again is harmless');
  const events = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (got) => got.some((r) => r.event.type === 'PostImageUploaded' && r.event.subject === created.id));
  const uploaded = events.filter((r) => r.event.type === 'PostImageUploaded' && r.event.subject === created.id);
  t.equal(uploaded.length, 1, 'one PostImageUploaded, however often completion is called');
  t.same(uploaded[0]!.event.data, { post_id: created.id, author_id: author.id, upload_id: row.upload_id, object_key: row.object_key });

  // The worker's verdict, as it publishes it.
  const imageKey = `images/${created.id}/${row.upload_id}/600x600.jpg`;
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(64), 0xff, 0xd9]);
  await storageClient(herald).putObject(herald.media.bucket, imageKey, jpeg, jpeg.length, { 'Content-Type': 'image/jpeg' });
  const ready = createEvent({
    type: 'PostImageReady',
    subject: created.id,
    source: '/herald/media',
    data: { post_id: created.id, author_id: author.id, upload_id: row.upload_id, image_key: imageKey, width: 600, height: 600, source_width: 64, source_height: 64, source_type: 'image/png', size_bytes: bytes.length },
  });
  await publishVerdict(herald, ready);
  const post = await eventually(async () => {
    const response = await herald.request({ method: 'GET', url: `/api/v1/posts/${created.id}`, as: 'anonymous' });
    const body = response.json();
    return body.image?.status === 'ready' ? body : undefined;
  });
  t.match(post.image, { status: 'ready', width: 600, height: 600 });
  const served = await fetch(post.image.url);
  t.equal(served.status, 200, 'the presigned URL serves the converted JPEG');
  t.same(Buffer.from(await served.arrayBuffer()), jpeg);

  // A late or repeated verdict changes nothing.
  await publishVerdict(herald, createEvent({ type: 'PostImageRejected', subject: created.id, source: '/herald/media', data: { post_id: created.id, author_id: author.id, upload_id: row.upload_id, reason_code: 'unreadable', reason: 'late' } }));
  await publishVerdict(herald, ready);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  t.equal((await imageRow(herald, created.id)).status, 'ready', 'a verdict after the first one is ignored');
});

await t.test('the storage itself refuses a file larger than declared, another key, type or metadata', async (t) => {
  const bytes = png(2048);
  const created = await createImagePost(herald, author, bytes);
  const row = await imageRow(herald, created.id);
  const oversize = await postUpload(created.upload, Buffer.concat([bytes, Buffer.alloc(1)]));
  t.equal(oversize.status, 400, 'one byte more than declared');
  t.match(await oversize.text(), /EntityTooLarge/);
  t.notOk(await objectExists(herald, row.object_key), 'nothing was stored');
  const otherKey = await postUpload(created.upload, bytes, { key: `uploads/${created.id}/somewhere-else` });
  t.equal(otherKey.status, 403, 'another key');
  const otherType = await postUpload(created.upload, bytes, { 'Content-Type': 'text/html' });
  t.equal(otherType.status, 403, 'another content type');
  const otherMetadata = await postUpload(created.upload, bytes, { 'x-amz-meta-expected-md5': md5Of(Buffer.from('other')) });
  t.equal(otherMetadata.status, 403, 'other metadata');
  t.notOk(await objectExists(herald, row.object_key), 'still nothing stored');
  const completed = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete`, as: author.accessToken });
  t.equal(completed.statusCode, 409, 'completion before anything arrived is refused');
  t.match(completed.headers['content-type'], /^application\/problem\+json/);
});

await t.test('a multipart upload interrupted after a part continues from the parts storage lists, then completes', async (t) => {
  const bytes = png(2 * 8 * MiB + 1000);
  const created = await createImagePost(herald, author, bytes);
  const row = await imageRow(herald, created.id);
  const started = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/multipart`, as: author.accessToken, body: {} });
  t.equal(started.statusCode, 201, started.body);
  const multipart = started.json() as Multipart;
  t.equal(multipart.part_count, 3);
  t.equal(multipart.upload_id, row.upload_id);
  t.same(multipart.parts_missing.map((p) => p.size_bytes), [8 * MiB, 8 * MiB, 1000]);

  const putPart = async (part: Multipart['parts_missing'][number]) => {
    const start = (part.part_number - 1) * multipart.part_size_bytes;
    const response = await fetch(part.url, { method: 'PUT', body: bytes.subarray(start, start + part.size_bytes) });
    t.equal(response.status, 200, `part ${part.part_number} stored`);
  };
  await putPart(multipart.parts_missing[0]!);
  const early = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete`, as: author.accessToken });
  t.equal(early.statusCode, 409, 'completing with parts missing is refused');
  t.match(early.json().detail, /parts 2, 3 of 3/);

  // The connection dropped; the client asks what arrived and continues.
  const listed = await herald.request({ method: 'GET', url: `/api/v1/posts/${created.id}/image/parts`, as: author.accessToken });
  t.equal(listed.statusCode, 200, listed.body);
  const state = listed.json() as Multipart;
  t.same(state.parts_received.map((p) => [p.part_number, p.size_bytes]), [[1, 8 * MiB]]);
  t.same(state.parts_missing.map((p) => p.part_number), [2, 3]);
  for (const part of state.parts_missing) await putPart(part);

  const completed = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete`, as: author.accessToken });
  t.equal(completed.statusCode, 202, completed.body);
  t.same(await herald.media.stat(row.object_key), { size: bytes.length }, 'the whole file is in storage');
  const notifications = await readTopic(herald.transport, uploadsTopic(herald), (got) => got.some((r) => r.record.value.includes('CompleteMultipartUpload') && r.record.value.includes(encodeURIComponent(row.object_key))));
  t.ok(notifications.some((r) => r.record.value.includes('s3:ObjectCreated:CompleteMultipartUpload') && r.record.value.includes(encodeURIComponent(row.object_key))), 'storage announced the completed object');
});

await t.test('an upload that arrived without a completion call is announced by the periodic scan', async (t) => {
  const bytes = png(1024);
  const created = await createImagePost(herald, author, bytes);
  t.equal((await postUpload(created.upload, bytes)).status, 204);
  const events = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (got) => got.some((r) => r.event.type === 'PostImageUploaded' && r.event.subject === created.id));
  t.ok(events.some((r) => r.event.type === 'PostImageUploaded' && r.event.subject === created.id));
  t.ok((await imageRow(herald, created.id)).uploaded_at, 'marked as received');
});

await t.test('deleting a post deletes its image from storage: the original and the converted JPEG', async (t) => {
  const post = await storedImagePost(herald, author);
  for (const key of post.keys) t.ok(await objectExists(herald, key), `${key} is stored`);
  const deleted = await herald.request({ method: 'DELETE', url: `/api/v1/posts/${post.id}`, as: author.accessToken });
  t.equal(deleted.statusCode, 204);
  t.notOk(await imageRow(herald, post.id), 'the image row went with the post');
  t.ok(await eventually(() => allGone(herald, post.keys), 15_000), 'its objects are removed');
  t.same(await eventually(async () => ((await queuedRemovals(herald, post.id)).length === 0 ? [] : undefined)), [], 'and nothing is left queued');
});

await t.test("deleting a blog deletes the images of the blog's posts", async (t) => {
  const blog = await herald.request({ method: 'POST', url: '/api/v1/blogs', as: author.accessToken, body: { name: 'Gallery', slug: `gallery-${Date.now()}` } });
  t.equal(blog.statusCode, 201, blog.body);
  const bytes = png(1024);
  const image = { content_type: 'image/png', size_bytes: bytes.length, md5: md5Of(bytes) };
  const created = await herald.request({ method: 'POST', url: `/api/v1/blogs/${blog.json().id}/posts`, as: author.accessToken, body: { content: 'in the gallery', image } });
  t.equal(created.statusCode, 201, created.body);
  t.equal((await postUpload(created.json().upload, bytes)).status, 204);
  const row = await imageRow(herald, created.json().id);
  t.ok(await objectExists(herald, row.object_key));
  const deleted = await herald.request({ method: 'DELETE', url: `/api/v1/blogs/${blog.json().id}`, as: author.accessToken });
  t.equal(deleted.statusCode, 204, deleted.body);
  t.ok(await eventually(() => allGone(herald, [row.object_key]), 15_000), "the post's original is removed with the blog");
});

await t.test('a verdict about an upload whose post was deleted meanwhile: what the worker wrote is removed too', async (t) => {
  const post = await storedImagePost(herald, author);
  const deleted = await herald.request({ method: 'DELETE', url: `/api/v1/posts/${post.id}`, as: author.accessToken });
  t.equal(deleted.statusCode, 204);
  t.ok(await eventually(() => allGone(herald, post.keys), 15_000), 'removed after the delete');
  // The worker was still converting: it writes the JPEG again, then publishes its verdict.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  await storageClient(herald).putObject(herald.media.bucket, post.keys[1]!, jpeg, jpeg.length, { 'Content-Type': 'image/jpeg' });
  await publishVerdict(
    herald,
    createEvent({
      type: 'PostImageReady',
      subject: post.id,
      source: '/herald/media',
      data: { post_id: post.id, author_id: author.id, upload_id: post.uploadId, image_key: post.keys[1]!, width: 600, height: 600, source_width: 64, source_height: 64, source_type: 'image/png', size_bytes: 1024 },
    }),
  );
  t.ok(await eventually(() => allGone(herald, [post.keys[1]!]), 15_000), 'the late JPEG is removed');
  t.same(await eventually(async () => ((await queuedRemovals(herald, post.id)).length === 0 ? [] : undefined)), [], 'nothing left queued');
});

await t.test("a post written into the author's blog may carry an image; posts created with a new blog may not", async (t) => {
  const blog = await herald.request({ method: 'POST', url: '/api/v1/blogs', as: author.accessToken, body: { name: 'Pictures', slug: `pictures-${Date.now()}` } });
  t.equal(blog.statusCode, 201, blog.body);
  const bytes = Buffer.from('a picture in a blog');
  const image = { content_type: 'image/png', size_bytes: bytes.length, md5: md5Of(bytes) };
  const created = await herald.request({ method: 'POST', url: `/api/v1/blogs/${blog.json().id}/posts`, as: author.accessToken, body: { content: 'in the blog', image } });
  t.equal(created.statusCode, 201, created.body);
  t.match(created.json(), { blog_id: blog.json().id, image: { status: 'pending' }, upload: { method: 'POST' } });
  const withBlog = await herald.request({
    method: 'POST',
    url: '/api/v1/blogs',
    as: author.accessToken,
    body: { name: 'More', slug: `more-${Date.now()}`, posts: [{ content: 'x', image }] },
  });
  t.equal(withBlog.statusCode, 400);
  t.ok(JSON.stringify(withBlog.json()).includes('posts[0].image'), withBlog.body);
});

await t.test('bad image declarations are 400 problems naming the field', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ content_type: 'image/gif', size_bytes: 10, md5: md5Of(Buffer.from('x')) }, 'image.content_type'],
    [{ content_type: 'image/png', size_bytes: 104857601, md5: md5Of(Buffer.from('x')) }, 'image.size_bytes'],
    [{ content_type: 'image/png', size_bytes: 0, md5: md5Of(Buffer.from('x')) }, 'image.size_bytes'],
    [{ content_type: 'image/png', size_bytes: 10, md5: 'not-an-md5' }, 'image.md5'],
    [{ content_type: 'image/png', size_bytes: 10 }, 'image.md5'],
  ];
  for (const [image, field] of cases) {
    const response = await herald.request({ method: 'POST', url: '/api/v1/posts', as: author.accessToken, body: { content: 'x', image } });
    t.equal(response.statusCode, 400, JSON.stringify(image));
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.ok(JSON.stringify(response.json()).includes(field), `names ${field}: ${response.body}`);
  }
  const small = await herald.request({ method: 'POST', url: `/api/v1/posts/nope/image/multipart`, as: author.accessToken, body: { part_size_bytes: 1024 } });
  t.equal(small.statusCode, 400, 'parts under 8 MiB are refused');
});

await specifyOwnership(t, herald, 'image multipart upload', async (owner: TestUser) => {
  const created = await createImagePost(herald, owner, png(9 * MiB));
  return {
    changes: [
      { method: 'POST', url: `/api/v1/posts/${created.id}/image/multipart`, body: {} },
      { method: 'GET', url: `/api/v1/posts/${created.id}/image/parts` },
    ],
    read: () => imageRow(herald, created.id),
  };
});

await specifyOwnership(t, herald, 'image upload completion', async (owner: TestUser) => {
  const bytes = png(512);
  const created = await createImagePost(herald, owner, bytes);
  const stored = await postUpload(created.upload, bytes);
  if (stored.status !== 204) throw new Error(`upload failed: ${stored.status}`);
  return {
    changes: [{ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete` }],
    read: async () => (await herald.pool.query('SELECT status, upload_id FROM post_images WHERE post_id = $1', [created.id])).rows[0],
  };
});

t.test('an upload not completed in time is abandoned: parts aborted, object deleted, image rejected, post kept', async (t) => {
  const herald = await startTestHerald(t, { MEDIA_UPLOAD_EXPIRY_SECONDS: '5', MEDIA_SWEEP_INTERVAL_MS: '200' });
  const author = await herald.signUp();
  const bytes = png(9 * MiB);
  const created = await createImagePost(herald, author, bytes);
  const row = await imageRow(herald, created.id);
  const multipart = (await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/multipart`, as: author.accessToken, body: {} })).json() as Multipart;
  const first = multipart.parts_missing[0]!;
  t.equal((await fetch(first.url, { method: 'PUT', body: bytes.subarray(0, first.size_bytes) })).status, 200, 'a part arrived');
  const multipartId = (await imageRow(herald, created.id)).multipart_upload_id as string;

  const rejected = (await eventually(async () => {
    const response = await herald.request({ method: 'GET', url: `/api/v1/posts/${created.id}`, as: 'anonymous' });
    return response.statusCode === 200 && response.json().image?.status === 'rejected' ? response.json() : undefined;
  }, 20_000)) as { image: Record<string, unknown>; content: string };
  t.match(rejected.image, { status: 'rejected', reason_code: 'expired', reason: /not completed/ });
  t.equal(rejected.content, 'a picture', 'the post is kept');
  t.equal(await herald.media.listParts(row.object_key, multipartId), undefined, 'the multipart upload was aborted');
  t.notOk(await objectExists(herald, row.object_key), 'no object');
  const events = await readTopic(herald.transport, topicName('posts', herald.topicPrefix), (got) => got.some((r) => r.event.type === 'PostImageRejected' && r.event.subject === created.id));
  const event = events.find((r) => r.event.type === 'PostImageRejected' && r.event.subject === created.id)?.event;
  t.match(event?.data, { post_id: created.id, author_id: author.id, upload_id: row.upload_id, reason_code: 'expired' });
  const late = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/multipart`, as: author.accessToken, body: {} });
  t.equal(late.statusCode, 409, 'an expired image takes no more uploads');
});

t.test('on the embedded default the consumer thread serves the S3 and announces uploads on the embedded broker', { skip: process.env.S3_ENDPOINT ? 'storage is MinIO in this run' : false }, async (t) => {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
  const author = await herald.signUp();
  const bytes = png(2048);
  const created = await createImagePost(herald, author, bytes);
  const row = await imageRow(herald, created.id);
  const stored = await postUpload(created.upload, bytes);
  t.equal(stored.status, 204, 'stored');
  const notifications = await readTopic(herald.transport, mediaUploadsTopicName(herald.topicPrefix), (got) => got.some((r) => r.record.key === `${herald.media.bucket}/${row.object_key}`));
  const notification = notifications.find((r) => r.record.key === `${herald.media.bucket}/${row.object_key}`);
  t.ok(notification, 'announced');
  t.match(JSON.parse(notification!.record.value), {
    EventName: 's3:ObjectCreated:Post',
    Key: `${herald.media.bucket}/${row.object_key}`,
    Records: [{ eventName: 's3:ObjectCreated:Post', s3: { bucket: { name: herald.media.bucket }, object: { key: encodeURIComponent(row.object_key), size: bytes.length } } }],
  });
  const preflight = await fetch(created.upload.url, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
  t.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3000', 'a browser may upload from the dashboard');
});

t.test('object storage away: the upload endpoints answer 503 with Retry-After', { skip: process.env.S3_ENDPOINT ? 'storage is the shared MinIO in this run' : false }, async (t) => {
  const herald = await startTestHerald(t);
  const author = await herald.signUp();
  const created = await createImagePost(herald, author, png(9 * MiB));
  // With the consumers off, the in-process S3 runs with the event log in this thread: closing it stops storage.
  await herald.eventLog.close();
  const started = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/multipart`, as: author.accessToken, body: {} });
  t.equal(started.statusCode, 503, started.body);
  t.equal(started.headers['retry-after'], '5');
  t.match(started.headers['content-type'], /^application\/problem\+json/);
  const completed = await herald.request({ method: 'POST', url: `/api/v1/posts/${created.id}/image/complete`, as: author.accessToken });
  t.equal(completed.statusCode, 503, completed.body);
});

t.test('object storage away when a post is deleted: the delete succeeds, and its objects go once storage is back', async (t) => {
  // Storage of this test's own, stopped and started again on the same port and folder.
  const directory = await mkdtemp(join(tmpdir(), 'herald-media-outage-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const port = await findFreePort();
  let storage = await startEmbeddedS3({ directory, port });
  t.teardown(() => storage.close());
  const herald = await startTestHerald(t, {
    S3_ENDPOINT: storage.endpoint,
    S3_ACCESS_KEY: storage.accessKey,
    S3_SECRET_KEY: storage.secretKey,
    MEDIA_NOTIFICATION_ARN: '',
    MEDIA_SWEEP_INTERVAL_MS: '200',
  });
  const author = await herald.signUp();
  const post = await storedImagePost(herald, author, createS3Client({ endpoint: storage.endpoint, accessKey: storage.accessKey, secretKey: storage.secretKey }));
  for (const key of post.keys) t.ok(await objectExists(herald, key), `${key} is stored`);

  await storage.close();
  const deleted = await herald.request({ method: 'DELETE', url: `/api/v1/posts/${post.id}`, as: author.accessToken });
  t.equal(deleted.statusCode, 204, 'the delete does not wait for storage');
  t.equal((await herald.request({ method: 'GET', url: `/api/v1/posts/${post.id}`, as: 'anonymous' })).statusCode, 404);
  const failed = await eventually(async () => {
    const [queued] = await queuedRemovals(herald, post.id);
    return queued && queued.attempts >= 2 ? queued : undefined;
  }, 20_000);
  t.match(failed, { upload_id: post.uploadId }, 'the removal stays queued while storage is away, and is tried again');

  storage = await startEmbeddedS3({ directory, port });
  t.ok(await eventually(() => allGone(herald, post.keys), 30_000), 'once storage is back the objects are removed');
  // The objects go first, the queued row right after: wait for the row too.
  t.same(await eventually(async () => ((await queuedRemovals(herald, post.id)).length === 0 ? [] : undefined)), [], 'and the removal is done');
});
