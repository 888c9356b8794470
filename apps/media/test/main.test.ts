import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediaUploadsTopicName, parseEvent, topicName, type HeraldEvent } from '@herald/event-schemas';
import { createKafkaTransport } from '@herald/event-transport';
import { createS3Client, ensureBucket } from '@herald/notifier';
import * as Minio from 'minio';
import t from 'tap';
import { v7 } from 'uuid';
import { imageKey, uploadKey } from '../src/index.js';
import { eventually, md5OfFile, storageNotification, tempDir, uploadMetadata } from './helpers.js';
import { bmpSideFor, writeBmpFile } from './images.js';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY } = process.env;
const skip = brokers.length > 0 && S3_ENDPOINT ? false : 'needs Kafka and MinIO: run with `npm run test:stack`';
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const MB = 1024 * 1024;

function run(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null]> };
}

/** A memory figure of another process, from the kernel. */
const memoryOf = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

t.test('without Kafka or S3, or with a bad setting, the process exits 78 saying why', async (t) => {
  const { KAFKA_BROKERS: _k, S3_ENDPOINT: _s, NODE_OPTIONS: _o, ...rest } = process.env;
  const noKafka = run(rest);
  t.equal((await noKafka.exited)[0], 78);
  t.match(noKafka.output(), /KAFKA_BROKERS is not set/);
  const bad = run({ ...rest, KAFKA_BROKERS: 'localhost:9092', MEDIA_CONCURRENCY: '0' });
  t.equal((await bad.exited)[0], 78);
  t.match(bad.output(), /MEDIA_CONCURRENCY must be >= 1/);
});

t.test('the worker process converts a 100 MB upload from Kafka and MinIO with flat memory, and stops cleanly on SIGTERM', { skip, timeout: 300_000 }, async (t) => {
  const prefix = `media-main-${randomUUID().slice(0, 8)}.`;
  const bucket = `herald-media-${randomUUID().slice(0, 8)}`;
  const s3 = createS3Client({ endpoint: S3_ENDPOINT!, accessKey: S3_ACCESS_KEY!, secretKey: S3_SECRET_KEY! });
  await ensureBucket(s3, bucket);
  const transport = createKafkaTransport({ brokers, clientId: 'media-main-test' });
  t.teardown(() => transport.close());
  await transport.ensureTopics([topicName('posts', prefix), mediaUploadsTopicName(prefix)], 2);

  const { NODE_OPTIONS: _o, NODE_V8_COVERAGE: _c, ...env } = process.env;
  const proc = run({ ...env, TOPIC_PREFIX: prefix, MEDIA_BUCKET: bucket, MEDIA_WORK_DIR: tempDir(t, 'herald-media-main-'), MALLOC_ARENA_MAX: '2', LOG_LEVEL: 'info' });
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  await eventually(() => {
    if (!/media worker running/.test(proc.output())) throw new Error(`not running yet: ${proc.output().slice(-500)}`);
  }, { timeoutMs: 60_000 });

  const seen: HeraldEvent[] = [];
  const reader = transport.createConsumer({ groupId: `media-main-test-${randomUUID()}`, topics: [topicName('posts', prefix)], fromBeginning: true });
  await reader.run(async (record) => {
    const parsed = parseEvent(record.value);
    if (parsed.valid) seen.push(parsed.event);
  });
  t.teardown(() => reader.stop());

  const path = join(tempDir(t, 'herald-media-main-big-'), 'big.bmp');
  const side = bmpSideFor(100 * MB);
  const size = await writeBmpFile(path, side, side);
  const ref = { postId: 'main-post', uploadId: v7(), authorId: randomUUID() };
  const { hostname, port } = new URL(S3_ENDPOINT!);
  const oneRequest = new Minio.Client({ endPoint: hostname, port: Number(port), useSSL: false, accessKey: S3_ACCESS_KEY!, secretKey: S3_SECRET_KEY!, region: 'us-east-1', pathStyle: true, partSize: 128 * MB });
  await oneRequest.fPutObject(bucket, uploadKey(ref), path, uploadMetadata(ref, await md5OfFile(path), 'image/bmp'));

  const pid = proc.child.pid!;
  const before = memoryOf(pid, 'VmRSS');
  const producer = transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  await producer.send([{ topic: mediaUploadsTopicName(prefix), key: `${bucket}/${uploadKey(ref)}`, value: storageNotification(bucket, uploadKey(ref), size), headers: {} }]);

  const ready = await eventually(
    () => {
      const event = seen.find((e) => e.type === 'PostImageReady' && e.data.upload_id === ref.uploadId);
      if (!event) throw new Error('not converted yet');
      return event;
    },
    { timeoutMs: 180_000, intervalMs: 200 },
  );
  const peak = memoryOf(pid, 'VmHWM');
  t.match(ready, { type: 'PostImageReady', subject: ref.postId, data: { source_type: 'image/bmp', source_width: side, size_bytes: size, image_key: imageKey(ref) } });
  t.comment(`worker process RSS ${Math.round(before / MB)} MB before the 100 MB image, peak ${Math.round(peak / MB)} MB`);
  t.ok(peak - before < 128 * MB, `the worker's resident memory grew by ${Math.round((peak - before) / MB)} MB`);

  proc.child.kill('SIGTERM');
  t.equal((await proc.exited)[0], 0, 'exits 0 after SIGTERM');
  t.match(proc.output(), /stopped/);
});
