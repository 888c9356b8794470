import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isMediaError, loadConfig, loadMediaSettings } from '../src/index.js';

t.test('with nothing set, the worker settings have their documented defaults', async (t) => {
  t.strictSame(loadMediaSettings({}), {
    bucket: 'herald-media',
    concurrency: 2,
    maxPixels: 100_000_000,
    maxBytes: 104_857_600,
    jpegQuality: 82,
    workDir: join(tmpdir(), 'herald-media'),
  });
});

t.test('the process settings: Kafka, S3, the worker settings', async (t) => {
  const config = loadConfig({
    KAFKA_BROKERS: 'a:9092,b:9092',
    S3_ENDPOINT: 'http://minio:9000',
    S3_ACCESS_KEY: 'herald',
    S3_SECRET_KEY: 'herald-secret',
    TOPIC_PREFIX: 'staging.',
    MEDIA_CONCURRENCY: '4',
    MEDIA_MAX_PIXELS: '40000000',
    MEDIA_WORK_DIR: '/var/tmp/media',
  });
  t.same(config.kafkaBrokers, ['a:9092', 'b:9092']);
  t.same(config.s3, { endpoint: 'http://minio:9000', region: 'us-east-1', accessKey: 'herald', secretKey: 'herald-secret' });
  t.equal(config.topicPrefix, 'staging.');
  t.match(config.media, { concurrency: 4, maxPixels: 40_000_000, workDir: '/var/tmp/media' });
});

t.test('settings out of range are refused, naming the variable and the value', async (t) => {
  for (const [env, message] of [
    [{ MEDIA_CONCURRENCY: '0' }, /MEDIA_CONCURRENCY must be >= 1 \(got "0"\)/],
    [{ MEDIA_CONCURRENCY: '33' }, /MEDIA_CONCURRENCY must be <= 32/],
    [{ MEDIA_MAX_PIXELS: '1000' }, /MEDIA_MAX_PIXELS must be >= 360000/],
    [{ MEDIA_MAX_PIXELS: '300000000' }, /MEDIA_MAX_PIXELS must be <= 268402689/],
    [{ MEDIA_JPEG_QUALITY: 'high' }, /MEDIA_JPEG_QUALITY must be integer/],
    [{ MEDIA_BUCKET: 'Not_A_Bucket' }, /MEDIA_BUCKET must match pattern/],
    [{ S3_ENDPOINT: 'http://minio:9000' }, /S3_ACCESS_KEY or S3_SECRET_KEY is missing/],
  ] as const) {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    t.ok(isMediaError(caught, 'HERALD_MEDIA_CONFIG_INVALID'), `${JSON.stringify(env)} is refused`);
    t.match((caught as Error).message, message);
  }
});
