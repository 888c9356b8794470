import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import type { ImageMultipart, ImageUpload, Post, PostCreate } from '../src/api/types.js';
import { uploadToStorage, StorageError } from '../src/api/client.js';
import { fileMd5 } from '../src/images/file-md5.js';
import { checkImageFile, formatBytes, MAX_IMAGE_BYTES, sniffImageType } from '../src/images/image-file.js';
import { MULTIPART_FROM_BYTES, publishPost, PublishError, type PublishApi, type PublishStep } from '../src/images/publish-post.js';
import { applyPostAnswer, applyPostEvents, emptyPostList, listFromPage } from '../src/state/post-list.js';
import { createPostSync } from '../src/state/post-sync.js';
import { createFakeTimers } from './helpers/fake-timers.js';
import { post, postCreated } from './helpers/posts.js';

const source = '/herald/api';
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function imageReady(p: Post, uploadId = randomUUID()): HeraldEvent {
  return createEvent({
    type: 'PostImageReady',
    subject: p.id,
    source,
    data: {
      post_id: p.id,
      author_id: p.author_id,
      upload_id: uploadId,
      image_key: `images/${p.id}/${uploadId}/600x600.jpg`,
      width: 600,
      height: 600,
      source_width: 1200,
      source_height: 800,
      source_type: 'image/png',
      size_bytes: 1234,
    },
  });
}

function imageRejected(p: Post, reason = 'the file is not the one declared (MD5 differs)'): HeraldEvent {
  return createEvent({
    type: 'PostImageRejected',
    subject: p.id,
    source,
    data: { post_id: p.id, author_id: p.author_id, upload_id: randomUUID(), reason_code: 'md5_mismatch', reason },
  });
}

t.test('an image file is told by its first bytes and its size', async (t) => {
  t.equal(sniffImageType(PNG), 'image/png');
  t.equal(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
  t.equal(sniffImageType(Uint8Array.from([0x42, 0x4d, 0, 0])), 'image/bmp');
  t.equal(sniffImageType(new TextEncoder().encode('GIF89a')), undefined, 'a GIF is none of them');
  t.equal(sniffImageType(new TextEncoder().encode('<svg xmlns')), undefined, 'nor an SVG');
  t.same(checkImageFile(2048, PNG), { ok: true, contentType: 'image/png', size: 2048 });
  t.same(checkImageFile(MAX_IMAGE_BYTES, PNG), { ok: true, contentType: 'image/png', size: MAX_IMAGE_BYTES }, '100 MiB exactly is allowed');
  const tooBig = checkImageFile(MAX_IMAGE_BYTES + 1, PNG);
  t.equal(tooBig.ok, false, 'one byte more is not');
  t.match(!tooBig.ok && tooBig.reason, /at most 100 MB/);
  t.match(checkImageFile(10, new TextEncoder().encode('hello')), { ok: false, reason: /not a PNG, JPEG or BMP/ });
  t.match(checkImageFile(0, new Uint8Array()), { ok: false, reason: /empty/ });
  t.equal(formatBytes(1), '1 byte');
  t.equal(formatBytes(1536), '1.5 KB');
  t.equal(formatBytes(100 * 1024 * 1024), '100 MB');
});

t.test("a file's MD5 is computed chunk by chunk, the same as over the whole", async (t) => {
  const bytes = randomBytes(1_000_003);
  const expected = createHash('md5').update(bytes).digest('base64');
  const fractions: number[] = [];
  t.equal(await fileMd5(new Blob([bytes]), { chunkBytes: 65_536, onProgress: (f) => fractions.push(f) }), expected);
  t.equal(fractions.length, Math.ceil(bytes.length / 65_536), 'told after every chunk');
  t.equal(fractions.at(-1), 1);
  t.equal(await fileMd5(new Blob([])), createHash('md5').digest('base64'), 'an empty file too');
  const abort = new AbortController();
  abort.abort();
  await t.rejects(fileMd5(new Blob([bytes]), { signal: abort.signal }), 'stopped when aborted');
});

t.test('the upload to storage is a form POST of every policy field, the file last, without credentials', async (t) => {
  const upload: ImageUpload = { method: 'POST', url: 'http://storage.test/bucket', fields: { key: 'uploads/p/u', policy: 'abc', 'x-amz-meta-post-id': 'p' }, expires_at: new Date().toISOString() };
  const sent: { url: string; init: RequestInit }[] = [];
  await uploadToStorage(upload, new Blob([PNG]), async (url, init) => {
    sent.push({ url, init: init! });
    return new Response(null, { status: 204 });
  });
  t.equal(sent.length, 1);
  t.equal(sent[0]!.url, upload.url);
  t.equal(sent[0]!.init.method, 'POST');
  t.equal(sent[0]!.init.credentials, 'omit');
  t.notOk(new Headers(sent[0]!.init.headers).has('authorization'), 'no bearer token goes to storage');
  const form = sent[0]!.init.body as FormData;
  t.same([...form.keys()], ['key', 'policy', 'x-amz-meta-post-id', 'file'], 'the fields, then the file');

  const refused = uploadToStorage(upload, new Blob([PNG]), async () =>
    new Response('<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>', { status: 400 }),
  );
  await t.rejects(refused, StorageError);
  await t.rejects(refused, { code: 'EntityTooLarge', message: /400 EntityTooLarge \(Your proposed upload exceeds/ });
});

function fakeApi(overrides: Partial<PublishApi> = {}) {
  const calls: string[] = [];
  let created: PostCreate | undefined;
  const upload: ImageUpload = { method: 'POST', url: 'http://storage.test/b', fields: { key: 'k' }, expires_at: new Date().toISOString() };
  const api: PublishApi = {
    async createPost(input) {
      calls.push('create');
      created = input;
      return { ...post({ id: input.id ?? 'new', content: input.content }), ...(input.image ? { image: { status: 'pending' as const }, upload } : {}) };
    },
    async uploadToStorage(given) {
      calls.push(`upload ${given.url}`);
    },
    async completeImageUpload(id) {
      calls.push(`complete ${id}`);
      return { ...post({ id }), image: { status: 'pending' } };
    },
    md5: async (_file, progress) => {
      progress(0.5);
      progress(1);
      return 'XrY7u+Ae7tCTyyK7j1rNww==';
    },
    ...overrides,
  };
  return { api, calls, created: () => created };
}

t.test('publishing a post with an image: checked, hashed, created with the image declared, uploaded, completed', async (t) => {
  const { api, calls, created } = fakeApi();
  const steps: PublishStep['step'][] = [];
  const image = new Blob([PNG, randomBytes(100)]);
  const published = await publishPost({ id: 'mine', content: 'look', image }, api, (s) => steps.push(s.step));
  t.same(calls, ['create', 'upload http://storage.test/b', 'complete mine'], 'in this order, straight to storage');
  t.same(created()?.image, { content_type: 'image/png', size_bytes: 108, md5: 'XrY7u+Ae7tCTyyK7j1rNww==' });
  t.same([...new Set(steps)], ['checking', 'hashing', 'creating', 'uploading', 'completing']);
  t.equal(published.image?.status, 'pending');
  t.notOk('upload' in published, 'the presigned request is not kept with the post');
});

t.test('a file that is no image is refused before anything is sent; a failed upload keeps the created post', async (t) => {
  const { api, calls } = fakeApi();
  await t.rejects(publishPost({ content: 'x', image: new Blob(['just text']) }, api), { step: 'checking', message: /not a PNG, JPEG or BMP/ });
  t.same(calls, [], 'nothing was sent');

  const failing = fakeApi({
    uploadToStorage: async () => {
      throw new StorageError(403, 'AccessDenied', 'storage refused the upload: 403 AccessDenied');
    },
  });
  const error = await publishPost({ id: 'p1', content: 'x', image: new Blob([PNG]) }, failing.api).catch((e: unknown) => e);
  t.type(error, PublishError);
  t.equal((error as PublishError).step, 'uploading');
  t.equal((error as PublishError).post?.id, 'p1', 'the post exists; publishing again continues it');
  t.same(failing.calls, ['create'], 'no completion without the bytes');

  const plain = fakeApi();
  await publishPost({ content: 'only words' }, plain.api);
  t.same(plain.calls, ['create'], 'a post without an image is one call');
});

/** Storage's multipart upload as the API describes it: parts of `partSize`, a URL per missing part. */
function fakeMultipart(size: number, partSize: number, { failOnce = [] as number[] } = {}) {
  const received = new Map<number, number>();
  const failed = new Set<number>();
  const calls: string[] = [];
  const describe = (): ImageMultipart => {
    const count = Math.ceil(size / partSize);
    const sizeOf = (n: number) => (n < count ? partSize : size - partSize * (count - 1));
    return {
      upload_id: 'u',
      part_size_bytes: partSize,
      part_count: count,
      size_bytes: size,
      expires_at: new Date().toISOString(),
      parts_received: [...received].map(([n, bytes]) => ({ part_number: n, etag: 'e', size_bytes: bytes })),
      parts_missing: Array.from({ length: count }, (_, i) => i + 1)
        .filter((n) => !received.has(n))
        .map((n) => ({ part_number: n, size_bytes: sizeOf(n), method: 'PUT' as const, url: `http://storage.test/part/${n}`, url_expires_at: new Date().toISOString() })),
    };
  };
  let started = false;
  const multipart: NonNullable<PublishApi['multipart']> = {
    async start() {
      calls.push('start');
      started = true;
      return describe();
    },
    async parts() {
      calls.push('parts');
      return started ? describe() : undefined;
    },
    async uploadPart(url, part) {
      const n = Number(url.split('/').at(-1));
      if (failOnce.includes(n) && !failed.has(n)) {
        failed.add(n);
        calls.push(`part ${n} dropped`);
        throw new StorageError(0, undefined, 'storage could not be reached (network)');
      }
      calls.push(`part ${n} (${part.size})`);
      received.set(n, part.size);
    },
    pause: async () => {},
  };
  return { multipart, calls };
}

t.test('a large file goes in parts; a dropped part is sent again after asking what arrived, and nothing else is', async (t) => {
  const size = MULTIPART_FROM_BYTES + 5;
  const partSize = 8 * 1024 * 1024;
  const image = new Blob([PNG, new Uint8Array(size - PNG.length)]);
  const parts = fakeMultipart(size, partSize, { failOnce: [2] });
  const { api, calls } = fakeApi({ multipart: parts.multipart });
  const fractions: number[] = [];
  await publishPost({ id: 'big', content: 'large', image }, api, (s) => s.step === 'uploading' && s.fraction !== undefined && fractions.push(s.fraction));
  t.same(parts.calls, ['parts', 'start', `part 1 (${partSize})`, 'part 2 dropped', 'parts', `part 2 (${partSize})`, 'part 3 (5)']);
  t.same(calls, ['create', 'complete big'], 'not the single POST; completed once every part is in');
  t.equal(fractions.at(-1), 1);

  const small = fakeMultipart(1000, partSize);
  const single = fakeApi({ multipart: small.multipart });
  await publishPost({ content: 'small', image: new Blob([PNG, new Uint8Array(992)]) }, single.api);
  t.same(small.calls, [], 'a small file goes in one request');
  t.same(single.calls, ['create', 'upload http://storage.test/b', 'complete new']);
});

t.test("the posts view: a post's answer shows it with its pending image; the verdicts settle it", async (t) => {
  const p = post();
  let list = listFromPage({ items: [], next_cursor: null }, emptyPostList('recent', 3));
  list = applyPostAnswer(list, { ...p, image: { status: 'pending' }, upload: { method: 'POST', url: 'http://s', expires_at: p.created_at } });
  t.same(list.posts.get(p.id)?.image, { status: 'pending' });
  t.notOk('upload' in list.posts.get(p.id)!, 'the upload is not kept');

  t.same(applyPostEvents(list, [postCreated(p)]).list.posts.get(p.id)?.image, { status: 'pending' }, 'its PostCreated, later, keeps the image');

  const ready = applyPostEvents(list, [imageReady(p)]);
  t.equal(ready.reread, true, 'ready: the page is read again for the image URL the API presigns');

  const rejected = applyPostEvents(list, [imageRejected(p)]);
  t.same(rejected.list.posts.get(p.id)?.image, { status: 'rejected', reason_code: 'md5_mismatch', reason: 'the file is not the one declared (MD5 differs)' });
  t.equal(rejected.reread, false, 'rejected: the event says all');

  const settled = applyPostAnswer(rejected.list, { ...p, image: { status: 'pending' } });
  t.equal(settled.posts.get(p.id)?.image?.status, 'rejected', 'a late answer does not take a verdict back');
  t.equal(applyPostEvents(list, [imageReady(post())]).reread, false, 'the verdict on a post not shown reads nothing');
});

t.test('the posts view: an image removed elsewhere goes, a replaced one shows its successor pending, without a read', async (t) => {
  const p = post();
  const list = applyPostAnswer(listFromPage({ items: [], next_cursor: null }, emptyPostList('recent', 3)), { ...p, image: { status: 'ready', url: 'http://s/i.jpg', url_expires_at: p.created_at } });
  const removedEvent = (reason: 'removed' | 'replaced') =>
    createEvent({ type: 'PostImageRemoved', subject: p.id, source, data: { post_id: p.id, author_id: p.author_id, upload_id: randomUUID(), reason } });

  const removed = applyPostEvents(list, [removedEvent('removed')]);
  t.notOk('image' in removed.list.posts.get(p.id)!, 'removed: the post shows no image');
  t.equal(removed.reread, false);
  const replaced = applyPostEvents(list, [removedEvent('replaced')]);
  t.same(replaced.list.posts.get(p.id)?.image, { status: 'pending' }, 'replaced: the new image waits for its upload');
  t.equal(replaced.reread, false);
  t.equal(applyPostEvents(list, [createEvent({ type: 'PostImageRemoved', subject: 'other', source, data: { post_id: 'other', author_id: p.author_id, upload_id: randomUUID(), reason: 'removed' } })]).list, list, 'a post not shown: nothing changes');
});

t.test('an image sent from here is awaited by reading the page again until its verdict, if no event brings it', async (t) => {
  const timers = createFakeTimers();
  const p = post();
  const pages: Post[][] = [];
  let reads = 0;
  const sync = createPostSync({
    sort: 'recent',
    limit: 5,
    fetchPage: async () => ({ items: pages[Math.min(reads++, pages.length - 1)]!, next_cursor: null }),
    fetchLatestComments: async () => undefined,
    fetchUser: async () => undefined,
    onChange: () => {},
    timers,
    imagePollDelaysMs: [1000, 2000],
    imagePollLimit: 5,
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  pages.push([]);
  sync.reload();
  await settle();
  t.equal(reads, 1);

  const ready = { ...p, image: { status: 'ready' as const, url: 'http://storage.test/i.jpg', width: 600, height: 600 } };
  pages.push([{ ...p, image: { status: 'pending' } }], [ready]);
  sync.put({ ...p, image: { status: 'pending' } });
  sync.awaitImage(p.id);
  timers.advance(999);
  await settle();
  t.equal(reads, 1, 'not at once');
  timers.advance(1);
  await settle();
  t.equal(reads, 2, 'after the first delay');
  t.equal(sync.state.list.posts.get(p.id)?.image?.status, 'pending');
  timers.advance(2000);
  await settle();
  t.equal(reads, 3, 'then the next');
  t.same(sync.state.list.posts.get(p.id)?.image, ready.image, 'the image is ready');
  timers.advance(60_000);
  await settle();
  t.equal(reads, 3, 'and no more reads after the verdict');
  t.same(timers.pending(), []);
  sync.stop();
});
