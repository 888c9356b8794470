import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaUploadsTopicName, parseEvent, topicName, type HeraldEvent } from '@herald/event-schemas';
import { createEmbeddedBroker, createKafkaTransport, type DeliveredRecord, type EventTransport } from '@herald/event-transport';
import { createS3Client, ensureBucket, startEmbeddedS3 } from '@herald/notifier';
import { eventually } from '@herald/stack';
import type * as Minio from 'minio';
import { v7 } from 'uuid';
import { pino } from 'pino';
import type { Test } from 'tap';
import { MEDIA_EVENT_SOURCE, loadMediaSettings, startMedia, uploadKey, type MediaSettings, type RunningMedia, type UploadRef } from '../src/index.js';

export { eventually };

export function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** MinIO when the real-stack run points at it, s3rver in this process (temp folder) otherwise. */
export async function s3Client(t: Test): Promise<{ s3: Minio.Client; endpoint: string; accessKey: string; secretKey: string }> {
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY } = process.env;
  let target = S3_ENDPOINT && S3_ACCESS_KEY && S3_SECRET_KEY ? { endpoint: S3_ENDPOINT, accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY } : undefined;
  if (!target) {
    const s3rver = await startEmbeddedS3({ directory: tempDir(t, 'herald-s3rver-') });
    t.teardown(() => s3rver.close());
    target = s3rver;
  }
  return { s3: createS3Client(target), ...target };
}

const kafkaBrokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];

/** Kafka when the real-stack run points at it, the embedded broker otherwise. */
export function transportFor(t: Test): EventTransport {
  const transport = kafkaBrokers.length > 0 ? createKafkaTransport({ brokers: kafkaBrokers, clientId: `media-test-${randomUUID().slice(0, 8)}` }) : createEmbeddedBroker();
  t.teardown(() => transport.close());
  return transport;
}

export const md5Base64 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/** The metadata the API signs into an upload (see the interface of the image uploads). */
export function uploadMetadata(ref: UploadRef & { authorId?: string }, md5: string, declaredType: string): Record<string, string> {
  return {
    'x-amz-meta-post-id': ref.postId,
    'x-amz-meta-upload-id': ref.uploadId,
    'x-amz-meta-expected-md5': md5,
    'x-amz-meta-declared-type': declaredType,
    ...(ref.authorId ? { 'x-amz-meta-author-id': ref.authorId } : {}),
  };
}

/** An S3 event notification as MinIO's Kafka target publishes it. */
export function storageNotification(bucket: string, key: string, size: number, eventName = 's3:ObjectCreated:Post'): string {
  return JSON.stringify({
    EventName: eventName,
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        awsRegion: '',
        eventTime: new Date().toISOString(),
        eventName,
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodeURIComponent(key), size, eTag: 'x' } },
      },
    ],
  });
}

export interface Harness {
  s3: Minio.Client;
  s3Endpoint: { endpoint: string; accessKey: string; secretKey: string };
  bucket: string;
  prefix: string;
  transport: EventTransport;
  settings: MediaSettings;
  media: RunningMedia;
  /** A new upload's ids, by a new author. */
  newUpload(): UploadRef & { authorId: string };
  /** Stores an original as the API's presigned request would (with its server-set metadata). */
  put(ref: UploadRef & { authorId?: string }, bytes: Buffer, options?: { md5?: string; declaredType?: string }): Promise<void>;
  /** Publishes a storage notification for the original (as MinIO / the in-process S3 would). */
  notify(ref: UploadRef, size?: number): Promise<void>;
  /** Publishes raw values on the storage notifications topic. */
  sendNotification(value: string): Promise<void>;
  /** Every event the worker published so far (its own, not the others on the topic), with its record's value. */
  published(): Array<{ event: HeraldEvent; value: string }>;
  /** Waits until the worker published `count` events about the upload. */
  outcomes(ref: UploadRef, count?: number): Promise<Array<{ event: HeraldEvent; value: string }>>;
  exists(key: string): Promise<boolean>;
  /**
   * Waits (up to 10 s) until `key` is gone: a rejected original is deleted after its outcome is
   * published, so a reader of the outcome may still find it for a moment. False if it stays.
   */
  removed(key: string): Promise<boolean>;
  read(key: string): Promise<Buffer>;
}

/**
 * A media worker on a bucket and topics of this test's own (MinIO and Kafka on the stack run,
 * the in-process S3 and broker otherwise), and a reader of what it publishes.
 */
export async function startHarness(t: Test, env: Record<string, string> = {}, runtime: Parameters<typeof startMedia>[0]['runtime'] = {}): Promise<Harness> {
  const { s3, ...s3Endpoint } = await s3Client(t);
  const bucket = `herald-media-${randomUUID().slice(0, 8)}`;
  await ensureBucket(s3, bucket);
  const prefix = `media-${randomUUID().slice(0, 8)}.`;
  const transport = transportFor(t);
  const settings = loadMediaSettings({ MEDIA_BUCKET: bucket, MEDIA_WORK_DIR: tempDir(t, 'herald-media-work-'), ...env });
  const media = await startMedia({
    transport,
    s3,
    settings,
    prefix,
    partitions: 2,
    log: pino({ level: process.env.MEDIA_TEST_LOG ?? 'silent' }),
    runtime: { initialBackoffMs: 20, maxBackoffMs: 200, ...runtime },
  });
  t.teardown(() => media.stop());

  const seen: Array<{ event: HeraldEvent; value: string }> = [];
  const reader = transport.createConsumer({ groupId: `media-test-${randomUUID()}`, topics: [topicName('posts', prefix)], fromBeginning: true });
  await reader.run(async (record: DeliveredRecord) => {
    const parsed = parseEvent(record.value);
    if (parsed.valid && parsed.event.source === MEDIA_EVENT_SOURCE) seen.push({ event: parsed.event, value: record.value });
  });
  t.teardown(() => reader.stop());
  const producer = transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());

  const about = (ref: UploadRef) => seen.filter(({ event }) => (event.data as { upload_id?: string }).upload_id === ref.uploadId);
  const exists = async (key: string) => {
    try {
      await s3.statObject(bucket, key);
      return true;
    } catch {
      return false;
    }
  };
  return {
    s3,
    s3Endpoint,
    bucket,
    prefix,
    transport,
    settings,
    media,
    newUpload: () => ({ postId: `post-${randomUUID().slice(0, 8)}`, uploadId: v7(), authorId: randomUUID() }),
    async put(ref, bytes, options = {}) {
      await s3.putObject(bucket, uploadKey(ref), bytes, bytes.length, uploadMetadata(ref, options.md5 ?? md5Base64(bytes), options.declaredType ?? 'image/png'));
    },
    async notify(ref, size = 1) {
      await producer.send([{ topic: mediaUploadsTopicName(prefix), key: `${bucket}/${uploadKey(ref)}`, value: storageNotification(bucket, uploadKey(ref), size), headers: {} }]);
    },
    async sendNotification(value) {
      await producer.send([{ topic: mediaUploadsTopicName(prefix), key: 'k', value, headers: {} }]);
    },
    published: () => [...seen],
    outcomes: (ref, count = 1) =>
      eventually(
        () => {
          const found = about(ref);
          if (found.length < count) throw new Error(`${found.length} of ${count} outcomes of ${ref.uploadId} so far`);
          return found;
        },
        { timeoutMs: 60_000 },
      ),
    exists,
    removed: (key) =>
      eventually(
        async () => {
          if (await exists(key)) throw new Error(`${key} still exists`);
          return true;
        },
        { timeoutMs: 10_000 },
      ).catch(() => false),
    async read(key) {
      const chunks: Buffer[] = [];
      for await (const chunk of await s3.getObject(bucket, key)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
