import { createHash } from 'node:crypto';
import sharp from 'sharp';
import t from 'tap';
import { eventually, onRealBroker, startTestHerald } from '../helpers/herald.js';

// Image posts end to end, with the media worker in the API's consumer thread: the client uploads
// with the presigned POST policy, the worker learns of it and gives its verdict, the post shows it.
// On the embedded default the in-process S3's notification alone starts the worker (no completion
// call); on the stack, MinIO notifies its fixed topic, not this test's prefixed one, so the
// completion call's PostImageUploaded does.

const md5Of = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
if (!(await herald.consumers)) throw new Error('in-process consumers did not start');
const author = await herald.signUp();

async function upload(bytes: Buffer, contentType: string) {
  const created = await herald.request({
    method: 'POST',
    url: '/api/v1/posts',
    as: author.accessToken,
    body: { content: 'with a picture', image: { content_type: contentType, size_bytes: bytes.length, md5: md5Of(bytes) } },
  });
  if (created.statusCode !== 201) throw new Error(`creating the post failed: ${created.statusCode} ${created.body}`);
  const post = created.json() as { id: string; upload: { url: string; fields: Record<string, string> } };
  const form = new FormData();
  for (const [name, value] of Object.entries(post.upload.fields)) form.append(name, value);
  form.append('file', new Blob([bytes]), 'picture');
  const stored = await fetch(post.upload.url, { method: 'POST', body: form });
  if (!stored.ok) throw new Error(`storage refused the upload: ${stored.status} ${await stored.text()}`);
  if (onRealBroker) await herald.request({ method: 'POST', url: `/api/v1/posts/${post.id}/image/complete`, as: author.accessToken });
  return post.id;
}

const imageOf = (postId: string, status: string) =>
  eventually(
    async () => {
      const image = (await herald.request({ method: 'GET', url: `/api/v1/posts/${postId}` })).json().image;
      return image?.status === status ? image : undefined;
    },
    60_000,
    200,
  );

t.test('a JPEG with a GPS position becomes a 600x600 JPEG without it, served by its presigned URL', async (t) => {
  const jpeg = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366aa' } })
    .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 8/1' } })
    .jpeg()
    .toBuffer();
  const postId = await upload(jpeg, 'image/jpeg');
  const image = await imageOf(postId, 'ready');
  t.match(image, { width: 600, height: 600, url: /^http/ });
  const served = Buffer.from(await (await fetch(image.url)).arrayBuffer());
  const meta = await sharp(served).metadata();
  t.match(meta, { format: 'jpeg', width: 600, height: 600 });
  t.equal(meta.exif, undefined, 'no EXIF, so no GPS position');
});

t.test('a text file declared as PNG is rejected, and its author told why', async (t) => {
  const text = Buffer.from('not a picture at all\n'.repeat(50));
  const postId = await upload(text, 'image/png');
  const image = await imageOf(postId, 'rejected');
  t.match(image, { reason_code: 'unsupported_type', reason: /not a PNG, JPEG or BMP image/ });
  const notification = await eventually(
    async () => {
      const page = (await herald.request({ method: 'GET', url: '/api/v1/me/notifications', as: author.accessToken })).json();
      return page.items.find((item: { type: string; subject: string }) => item.type === 'image_rejected' && item.subject === postId);
    },
    30_000,
    200,
  );
  t.match(notification, { type: 'image_rejected', subject: postId, reason: /not a PNG, JPEG or BMP image/, read: false });
});
