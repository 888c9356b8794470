import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, createEvent, topicName } from '@herald/event-schemas';
import { createKafkaTransport } from '@herald/event-transport';
import t from 'tap';
import { readFeedPage } from '../src/index.js';
import { dynamoClient } from './helpers.js';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const skip = brokers.length > 0 && process.env.DYNAMODB_ENDPOINT ? false : 'needs Kafka and DynamoDB Local: run with `npm run test:stack`';
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function run(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null]> };
}

t.test('without KAFKA_BROKERS, or with a bad setting, the process exits 78 saying why', async (t) => {
  const { KAFKA_BROKERS: _, ...rest } = process.env;
  const noKafka = run({ ...rest });
  t.equal((await noKafka.exited)[0], 78);
  t.match(noKafka.output(), /KAFKA_BROKERS is not set/);
  const bad = run({ ...rest, KAFKA_BROKERS: 'localhost:9092', FANOUT_BATCH_SIZE: '10' });
  t.equal((await bad.exited)[0], 78);
  t.match(bad.output(), /FANOUT_BATCH_SIZE must be >= 500/);
});

t.test('the standalone process fans posts out from Kafka and stops cleanly on SIGTERM', { skip, timeout: 120_000 }, async (t) => {
  const client = await dynamoClient(t);
  const prefix = `fanout-${randomUUID().slice(0, 8)}.`;
  const tablePrefix = `herald-${randomUUID().slice(0, 8)}-`;
  const transport = createKafkaTransport({ brokers, clientId: 'fanout-main-test' });
  t.teardown(() => transport.close());
  await transport.ensureTopics([topicName('users', prefix), topicName('posts', prefix)], 3);

  const proc = run({ ...process.env, KAFKA_BROKERS: brokers.join(','), TOPIC_PREFIX: prefix, FANOUT_TABLE_PREFIX: tablePrefix, LOG_LEVEL: 'info' });
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });

  const [reader, author] = [randomUUID(), randomUUID()];
  const now = new Date().toISOString();
  const followed = createEvent({ type: 'UserFollowed', subject: author, source: '/herald/test', data: { follower_id: reader, followee_id: author, followed_at: now } });
  const created = createEvent({
    type: 'PostCreated',
    subject: 'standalone-post',
    source: '/herald/test',
    data: { post: { id: 'standalone-post', author_id: author, blog_id: null, title: '', content: 'from Kafka', created_at: now, updated_at: now, version: 1 } },
  });
  const producer = transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const record = (topic: 'users' | 'posts', event: typeof followed | typeof created) => ({
    topic: topicName(topic, prefix),
    key: event.subject!,
    value: JSON.stringify(event),
    headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE },
  });
  await producer.send([record('users', followed)]);
  // The two topics are not ordered with each other: whichever comes first, the follower gets the
  // post (pushed after the follow, or backfilled by it).
  const deadline = Date.now() + 90_000;
  const feedOf = async (userId: string) => {
    try {
      return (await readFeedPage(client, `${tablePrefix}feeds`, userId, { limit: 10 })).map((entry) => entry.postId);
    } catch {
      return [];
    }
  };
  await producer.send([record('posts', created)]);
  while ((await feedOf(reader)).join() !== 'standalone-post') {
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      t.fail(`the post did not reach the follower's feed; the process said:\n${proc.output()}`);
      return;
    }
    await sleep(200);
  }
  t.pass('the follower\'s feed holds the post');

  proc.child.kill('SIGTERM');
  t.equal((await proc.exited)[0], 0, 'exits 0 after SIGTERM');
  t.match(proc.output(), /"msg":"stopped"/);
});
