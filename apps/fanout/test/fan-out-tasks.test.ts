import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, createEvent, topicName } from '@herald/event-schemas';
import { createEmbeddedBroker, createKafkaTransport, type EventTransport } from '@herald/event-transport';
import { eventually } from '@herald/stack';
import t from 'tap';
import {
  applyFanoutEvent,
  handleFanoutTask,
  loadFeedSettings,
  readFeedPage,
  startFanout,
  type FanoutDeps,
  type FanoutTask,
  type FeedSettings,
} from '../src/index.js';
import { countItems, dynamoClient, dynamoEndpoint, fanoutDeps, postCreated } from './helpers.js';

/**
 * Large fan-outs split into tasks on the task topic, shared by the replicas: on the embedded
 * broker, and on a real Kafka with DynamoDB Local in the real-stack run.
 */

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const onKafka = brokers.length > 0;

/** `count` followers of `authorId`, written straight into the follow graph (with the counter). */
async function seedFollowers(client: DynamoDBClient, settings: FeedSettings, authorId: string, count: number): Promise<string[]> {
  const followers = Array.from({ length: count }, () => randomUUID());
  const table = settings.tables.followGraph;
  const requests = followers.map((id) => ({
    PutRequest: { Item: { PK: { S: `user#${authorId}` }, SK: { S: `follower#${id}` }, userId: { S: id }, followedAt: { S: new Date().toISOString() } } },
  }));
  const chunks = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  for (let i = 0; i < chunks.length; i += 16) {
    await Promise.all(chunks.slice(i, i + 16).map((chunk) => client.send(new BatchWriteItemCommand({ RequestItems: { [table]: chunk } }))));
  }
  await client.send(new PutItemCommand({ TableName: table, Item: { PK: { S: `user#${authorId}` }, SK: { S: 'count' }, followers: { N: String(count) } } }));
  return followers;
}

t.test('a post to more followers than one span is split into tasks; a task that stops midway and is delivered again writes each entry once', async (t) => {
  const deps = await fanoutDeps(t, { FANOUT_TASK_SPAN: '500', FANOUT_BATCH_SIZE: '500', FEED_TRIM_EVERY: '1000' });
  const author = randomUUID();
  const followers = await seedFollowers(deps.client, deps.settings, author, 1_600);
  const published: FanoutTask[] = [];
  const withTasks: FanoutDeps = { ...deps, tasks: { publish: async (tasks) => void published.push(...tasks) } };
  const post = postCreated(author, 'p-split', new Date());

  await applyFanoutEvent(post, { partition: 0, offset: '1' }, withTasks);
  t.equal(published.length, 4, '1 600 followers in spans of 500: four tasks');
  t.same(published.map((task) => task.id), ['p-split#0', 'p-split#1', 'p-split#2', 'p-split#3']);
  t.equal(published[0]!.followers.from, null);
  t.equal(published.at(-1)!.followers.to, null, 'the last range is open: followers added since are covered');
  for (let i = 1; i < published.length; i++) t.equal(published[i]!.followers.from, published[i - 1]!.followers.to, 'ranges meet, neither overlapping nor leaving a gap');
  t.equal(await countItems(deps.client, deps.settings.tables.feeds), 1, 'only the author\'s own feed so far');

  // A redelivered PostCreated publishes the same tasks again (same ids).
  await applyFanoutEvent(post, { partition: 0, offset: '1' }, withTasks);
  t.same(published.slice(4).map((task) => task.id), published.slice(0, 4).map((task) => task.id));

  // The second task fails on its second batch write, as a crash would; it is delivered again.
  let writes = 0;
  const crashing: FanoutDeps = {
    ...deps,
    settings: { ...deps.settings, batchSize: 500 },
    feeds: { ...deps.feeds, push: async (entries, signal) => (++writes === 2 ? Promise.reject(new Error('crash')) : deps.feeds.push(entries, signal)) },
  };
  let written = 0;
  for (const task of published.slice(0, 4)) {
    written += await handleFanoutTask(task, task.part === 1 ? crashing : deps).catch(() => 0);
  }
  t.ok((await countItems(deps.client, deps.settings.tables.feeds)) < 1_601, 'one task stopped midway');
  for (const task of published) written += await handleFanoutTask(task, deps);
  t.equal(await countItems(deps.client, deps.settings.tables.feeds), 1_601, 'after the redeliveries, one entry per follower and the author\'s');
  t.ok(written >= 1_600 * 2);
  for (const follower of [followers[0]!, followers[799]!, followers.at(-1)!]) {
    t.same((await readFeedPage(deps.client, deps.settings.tables.feeds, follower, { limit: 10 })).map((entry) => entry.postId), ['p-split']);
  }
});

t.test(`two fan-out replicas share one large fan-out (${onKafka ? 'Kafka' : 'embedded broker'})`, { timeout: 180_000 }, async (t) => {
  const prefix = `tasks-${randomUUID().slice(0, 8)}.`;
  const settings = loadFeedSettings({
    FANOUT_TABLE_PREFIX: `herald-test-${randomUUID().slice(0, 8)}-`,
    FANOUT_TASK_SPAN: '500',
    FANOUT_BATCH_SIZE: '500',
    FANOUT_TASK_PARTITIONS: '4',
    FEED_TRIM_EVERY: '1000',
  });
  const transport: EventTransport = onKafka ? createKafkaTransport({ brokers, clientId: 'fanout-tasks-test' }) : createEmbeddedBroker({});
  t.teardown(() => transport.close());
  await transport.ensureTopics([topicName('users', prefix), topicName('posts', prefix)], 2);
  // Each replica with a DynamoDB client of its own, as two processes would have.
  const endpoint = await dynamoEndpoint(t);
  const [clientA, clientB] = [await dynamoClient(t, endpoint), await dynamoClient(t, endpoint)];
  // Replica A fails one of its batch writes (inside a task), once, as a crash midway would.
  let failed = 0;
  let batchWrites = 0;
  clientA.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchWriteItemCommand' && ++batchWrites === 3) {
        failed++;
        throw new Error('replica A stopped midway');
      }
      return next(args);
    },
    { step: 'initialize', name: 'failOneBatchWrite' },
  );
  const runtime = { initialBackoffMs: 50, maxBackoffMs: 200 };
  const a = await startFanout({ transport, dynamodb: clientA, settings, prefix, runtime });
  t.teardown(() => a.stop());
  const b = await startFanout({ transport, dynamodb: clientB, settings, prefix, runtime });
  t.teardown(() => b.stop());

  const author = randomUUID();
  const count = 6_000;
  const followers = await seedFollowers(clientB, settings, author, count);
  const now = new Date().toISOString();
  const created = createEvent({
    type: 'PostCreated',
    subject: 'big-post',
    source: '/herald/test',
    data: { post: { id: 'big-post', author_id: author, blog_id: null, title: '', content: 'to many', created_at: now, updated_at: now, version: 1 } },
  });
  const producer = transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  await producer.send([{ topic: topicName('posts', prefix), key: 'big-post', value: JSON.stringify(created), headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } }]);

  await eventually(
    async () => {
      const done = a.taskStats().tasks + b.taskStats().tasks;
      if (done < 12) throw new Error(`${done} of 12 tasks done`);
    },
    { timeoutMs: 150_000, intervalMs: 200 },
  );
  const [statsA, statsB] = [a.taskStats(), b.taskStats()];
  t.ok(statsA.tasks > 0 && statsB.tasks > 0, `both replicas did part of it (A ${statsA.tasks} tasks, B ${statsB.tasks})`);
  t.equal(statsA.tasks + statsB.tasks, 12, '6 000 followers in spans of 500: twelve tasks, each done once');
  t.equal(statsA.followers + statsB.followers, count, 'every follower written by exactly one task');
  t.equal(failed, 1, 'one task stopped midway');
  t.ok(statsA.consumer.retries >= 1, 'and was tried again');
  t.equal(await countItems(clientB, settings.tables.feeds), count + 1, 'one entry per follower and the author\'s own');
  for (const follower of [followers[0]!, followers[2_999]!, followers.at(-1)!]) {
    t.same((await readFeedPage(clientB, settings.tables.feeds, follower, { limit: 10 })).map((entry) => entry.postId), ['big-post']);
  }
});
