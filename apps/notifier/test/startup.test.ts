import { createServer } from 'node:net';
import {
  EVENT_LOG_ERROR_CODES,
  EventLogError,
  createEventLog,
  createEventLogClient,
} from '@herald/event-log';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, topicName, topicNames } from '@herald/event-schemas';
import { createEmbeddedBroker } from '@herald/event-transport';
import t from 'tap';
import {
  NOTIFIER_ERROR_CODES,
  NotifierError,
  createS3Client,
  loadConfig,
  openNotifierStores,
  startNotifier,
} from '../src/index.js';
import { eventually, freshStores, productCreated, tempDir, uniqueBucket } from './helpers.js';

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const startup = { attempts: 3, initialDelayMs: 10 };

t.test('DynamoDB down at start: startNotifier retries a bounded number of times, then fails naming the endpoint', async (t) => {
  const endpoint = `http://127.0.0.1:${await deadPort()}`;
  const client = createEventLogClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  t.teardown(() => client.destroy());
  const eventLog = createEventLog({ client, tableName: 'herald-events', retentionSeconds: 60 });
  const { s3, bucket } = await freshStores(t);
  const transport = createEmbeddedBroker({});
  t.teardown(() => transport.close());
  const warnings: object[] = [];
  const log = { debug() {}, info() {}, error() {}, warn: (obj: object) => warnings.push(obj) };

  const started = Date.now();
  const error = await startNotifier({
    transport,
    eventLog,
    s3,
    log,
    config: {
      topicPrefix: '',
      startup,
      archive: { bucket, intervalMs: 60_000, batchSize: 100 },
      eventLog: { table: 'herald-events', retentionSeconds: 60, ttlGraceSeconds: 0 },
    },
  }).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof EventLogError);
  t.equal((error as EventLogError).code, EVENT_LOG_ERROR_CODES.unavailable);
  t.match((error as Error).message, `DynamoDB at ${endpoint} is unreachable`);
  t.match((error as Error).message, /after 3 attempts/);
  t.equal(warnings.length, 2, 'each retry is logged');
  t.ok(Date.now() - started < 20_000, 'bounded in time');
});

t.test('object storage down at start: startNotifier retries a bounded number of times, then fails naming the endpoint', async (t) => {
  const { eventLog } = await freshStores(t);
  const endpoint = `http://127.0.0.1:${await deadPort()}`;
  const s3 = createS3Client({ endpoint, accessKey: 'a', secretKey: 'b' });
  const transport = createEmbeddedBroker({});
  t.teardown(() => transport.close());
  const error = await startNotifier({
    transport,
    eventLog,
    s3,
    config: {
      topicPrefix: '',
      startup,
      archive: { bucket: uniqueBucket(), intervalMs: 60_000, batchSize: 100 },
      eventLog: { table: eventLog.tableName, retentionSeconds: 60, ttlGraceSeconds: 0 },
    },
  }).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof NotifierError);
  t.equal((error as NotifierError).code, NOTIFIER_ERROR_CODES.archiveUnavailable);
  t.match((error as Error).message, `object storage at ${endpoint} is unreachable`);
});

t.test('on the embedded defaults the notifier keeps its log and archive under DATA_DIR', async (t) => {
  const dataDir = tempDir(t, 'herald-notifier-data-');
  const config = loadConfig({
    DATA_DIR: dataDir,
    EMBEDDED_DYNAMODB_PORT: '0',
    EMBEDDED_S3_PORT: '0',
    EVENT_LOG_RETENTION_SECONDS: '1',
    ARCHIVE_INTERVAL_MS: '200',
  });
  t.equal(config.dynamodb.endpoint, undefined);
  t.equal(config.s3.endpoint, undefined);
  const stores = await openNotifierStores(config);
  t.teardown(() => stores.close());
  t.same(stores.embedded, { dynamodb: true, s3: true });

  const transport = createEmbeddedBroker({});
  t.teardown(() => transport.close());
  // The notifier reads every topic of the contract: they must all exist.
  await transport.ensureTopics(topicNames(), 1);
  const notifier = await startNotifier({
    transport,
    eventLog: stores.eventLog,
    s3: stores.s3,
    config,
    runtime: { initialBackoffMs: 10, maxBackoffMs: 50 },
  });
  t.teardown(() => notifier.stop());
  const producer = transport.createProducer();
  await producer.connect();
  const event = productCreated();
  await producer.send([
    { topic: topicName('products'), key: event.subject, value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } },
  ]);
  await producer.disconnect();
  await eventually(async () => {
    if (!(await stores.eventLog.get(event.id))) throw new Error('not logged yet');
  });
  // Retention is 1 s and the loop ticks every 200 ms: the event moves to the archive.
  await eventually(async () => {
    if (await stores.eventLog.get(event.id)) throw new Error('not archived yet');
  });
  await notifier.stop();
  await stores.close();

  // Reopened from the same folder (as the replay command does): the archive still has it.
  const reopened = await openNotifierStores(config, { mode: 'client' });
  t.teardown(() => reopened.close());
  const { replayEvents } = await import('../src/index.js');
  const replayed = [];
  for await (const e of replayEvents({ ...reopened, from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) })) replayed.push(e);
  t.same(replayed, [event], 'the archived event survives a restart');
});

t.test('configuration is validated once, with messages naming the variable', async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.eventLog.table, 'herald-events');
  t.equal(defaults.archive.bucket, 'herald-events-archive');
  t.equal(defaults.kafkaBrokers, undefined);
  t.equal(defaults.dynamodb.credentials, undefined, 'embedded: no credentials needed');

  const local = loadConfig({ DYNAMODB_ENDPOINT: 'http://localhost:8000', KAFKA_BROKERS: 'a:9092,b:9092' });
  t.same(local.dynamodb.credentials, { accessKeyId: 'herald', secretAccessKey: 'herald-secret' }, 'placeholder keys for a local endpoint');
  t.same(local.kafkaBrokers, ['a:9092', 'b:9092']);
  const aws = loadConfig({ DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com' });
  t.equal(aws.dynamodb.credentials, undefined, 'AWS: the SDK credential chain');

  t.throws(() => loadConfig({ S3_ENDPOINT: 'http://localhost:9000' }), /S3_ACCESS_KEY or S3_SECRET_KEY is missing/);
  t.throws(() => loadConfig({ EVENT_LOG_RETENTION_SECONDS: '0' }), /EVENT_LOG_RETENTION_SECONDS must be > 0 \(got "0"\)/);
  t.throws(() => loadConfig({ S3_BUCKET: 'Not_A_Bucket' }), /S3_BUCKET must match/);
  t.throws(() => loadConfig({ DYNAMODB_ACCESS_KEY_ID: 'x' }), /set together/);
});
