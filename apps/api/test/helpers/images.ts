import { createHash, randomBytes } from 'node:crypto';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, mediaUploadsTopicName, topicName, type HeraldEvent } from '@herald/event-schemas';
import { createS3Client } from '@herald/notifier';
import { onRealBroker, type TestHerald, type TestUser } from './herald.js';

// Image posts in tests: declaring, uploading as a client does, and looking at what storage and
// the database hold.

export const md5Of = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');
export const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);

export interface Upload {
  method: string;
  url: string;
  fields: Record<string, string>;
  expires_at: string;
}

/** Where the storage notifications of this run arrive: MinIO's target topic, or the embedded S3's under the test's prefix. */
export const uploadsTopic = (herald: TestHerald) => (onRealBroker && process.env.MEDIA_NOTIFICATION_ARN ? 'herald.media-uploads' : mediaUploadsTopicName(herald.topicPrefix));

export function storageClient(herald: TestHerald) {
  const accessKey = process.env.S3_ENDPOINT ? process.env.S3_ACCESS_KEY! : 'S3RVER';
  const secretKey = process.env.S3_ENDPOINT ? process.env.S3_SECRET_KEY! : 'S3RVER';
  return createS3Client({ endpoint: herald.media.endpoint, accessKey, secretKey });
}

export async function createImagePost(herald: TestHerald, author: TestUser, bytes: Buffer, declared: { content_type?: string; size_bytes?: number } = {}) {
  const response = await herald.request({
    method: 'POST',
    url: '/api/v1/posts',
    as: author.accessToken,
    body: { content: 'a picture', image: { content_type: 'image/png', size_bytes: bytes.length, md5: md5Of(bytes), ...declared } },
  });
  if (response.statusCode !== 201) throw new Error(`creating the post failed: ${response.statusCode} ${response.body}`);
  return response.json() as { id: string; image: { status: string }; upload: Upload };
}

/** A browser-style POST upload with the policy's fields, the file last. */
export async function postUpload(upload: Upload, bytes: Buffer, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...fields })) form.append(name, value);
  form.append('file', new Blob([bytes]), 'picture.png');
  return fetch(upload.url, { method: 'POST', body: form });
}

export async function publishVerdict(herald: TestHerald, event: HeraldEvent) {
  const producer = herald.transport.createProducer();
  await producer.connect();
  await producer.send([
    { topic: topicName('posts', herald.topicPrefix), key: event.subject, value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } },
  ]);
  await producer.disconnect();
}

export const imageRow = async (herald: TestHerald, postId: string) =>
  (await herald.pool.query('SELECT status, upload_id, object_key, multipart_upload_id, reason_code, uploaded_at FROM post_images WHERE post_id = $1', [postId])).rows[0];

export const objectExists = async (herald: TestHerald, key: string) => Boolean(await herald.media.stat(key));

export const queuedRemovals = async (herald: TestHerald, postId: string) =>
  (await herald.pool.query<{ upload_id: string; attempts: number }>('SELECT upload_id, attempts FROM image_objects_to_remove WHERE post_id = $1', [postId])).rows;

/** An image post whose original is stored and whose converted JPEG the worker (here: the test) has written. */
export async function storedImagePost(herald: TestHerald, author: TestUser, storage = storageClient(herald)) {
  const bytes = png(1024);
  const created = await createImagePost(herald, author, bytes);
  const stored = await postUpload(created.upload, bytes);
  if (stored.status !== 204) throw new Error(`upload failed: ${stored.status} ${await stored.text()}`);
  const row = await imageRow(herald, created.id);
  const converted = `images/${created.id}/${row.upload_id}/600x600.jpg`;
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  await storage.putObject(herald.media.bucket, converted, jpeg, jpeg.length, { 'Content-Type': 'image/jpeg' });
  return { id: created.id, uploadId: row.upload_id as string, keys: [row.object_key as string, converted] };
}

export const allGone = async (herald: TestHerald, keys: string[]) => (await Promise.all(keys.map((key) => objectExists(herald, key)))).every((exists) => !exists);

