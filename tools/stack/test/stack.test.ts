import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { dropKafkajsUnthrottledTimerWarning } from '@herald/logging';
import { startKafka } from '@herald/stack';

// These need the real services that `npm run test:stack` starts; in a plain
// `npm test` they are reported as skipped, with the reason, never as passed.
const skip = process.env.HERALD_TEST_STACK === '1' ? false : 'needs the local stack: run `npm run test:stack`';

/**
 * Topics are created without kafkajs's leader wait: it gives up at the first "unknown topic" that a
 * KRaft broker answers until the new topic reaches its metadata cache. The client's retries carry
 * the first produce and subscribe over that moment instead.
 */
function kafkaClient(brokers: string): Kafka {
  dropKafkajsUnthrottledTimerWarning();
  return new Kafka({ clientId: 'stack-test', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

/** Reads `count` messages of a topic from the beginning with a fresh consumer group. */
async function consume(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${values.length}/${count} messages from ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(String(message.value));
          if (values.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return values;
  } finally {
    await consumer.disconnect();
  }
}

async function produce(kafka: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
  } finally {
    await producer.disconnect();
  }
}

t.test('Kafka from KAFKA_BROKERS: produce and consume', { skip, timeout: 60_000 }, async (t) => {
  const kafka = kafkaClient(process.env.KAFKA_BROKERS!);
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  const topic = `stack-test-${randomUUID()}`;
  t.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: false }), true);
  await produce(kafka, topic, ['one', 'two']);
  t.same((await consume(kafka, topic, 2)).sort(), ['one', 'two']);
});

t.test('a separately started broker keeps topics and data across stop/start and kill/start', { skip, timeout: 150_000 }, async (t) => {
  const broker = await startKafka();
  t.teardown(() => broker.stop());
  const kafka = kafkaClient(broker.brokers);
  const topic = 'outage-test';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic }], waitForLeaders: false });
  await admin.disconnect();
  await produce(kafka, topic, ['before-stop']);

  await broker.stop();
  // A writer that keeps going through the outage succeeds once the broker is back.
  const duringOutage = produce(kafka, topic, ['during-outage']);
  await broker.start();
  await duringOutage;
  t.equal(broker.brokers, `127.0.0.1:${broker.port}`, 'same address after restart');
  const afterRestart = kafka.admin();
  await afterRestart.connect();
  t.ok((await afterRestart.listTopics()).includes(topic), 'topic survives a graceful restart');
  await afterRestart.disconnect();
  await produce(kafka, topic, ['after-restart']);

  await broker.kill();
  await broker.start();
  t.same(await consume(kafka, topic, 3), ['before-stop', 'during-outage', 'after-restart'], 'acknowledged messages survive a crash');
});

t.test('DynamoDB Local from DYNAMODB_ENDPOINT: CreateTable, PutItem, GetItem', { skip, timeout: 60_000 }, async (t) => {
  const client = new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.teardown(() => client.destroy());
  const TableName = `stack_test_${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(new PutItemCommand({ TableName, Item: { id: { S: 'a' }, n: { N: '42' } } }));
  const { Item } = await client.send(new GetItemCommand({ TableName, Key: { id: { S: 'a' } }, ConsistentRead: true }));
  t.same(Item, { id: { S: 'a' }, n: { N: '42' } });
});

t.test('MinIO from S3_ENDPOINT: bucket and object with signed requests', { skip, timeout: 60_000 }, async (t) => {
  const s3 = (secretAccessKey: string) =>
    new S3Client({
      endpoint: process.env.S3_ENDPOINT,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: process.env.S3_ACCESS_KEY!, secretAccessKey },
    });
  const client = s3(process.env.S3_SECRET_KEY!);
  t.teardown(() => client.destroy());
  const Bucket = `stack-test-${randomUUID()}`;
  await client.send(new CreateBucketCommand({ Bucket }));
  await client.send(new PutObjectCommand({ Bucket, Key: 'hello.txt', Body: 'hello herald', ContentType: 'text/plain' }));
  const object = await client.send(new GetObjectCommand({ Bucket, Key: 'hello.txt' }));
  t.equal(await object.Body?.transformToString(), 'hello herald');

  // MinIO really checks signatures: a wrong secret must be refused.
  const wrong = s3('not-the-secret');
  t.teardown(() => wrong.destroy());
  await t.rejects(wrong.send(new GetObjectCommand({ Bucket, Key: 'hello.txt' })), { name: 'SignatureDoesNotMatch' });
});
