import { ensureDynamoDbLocal, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { ensureKafka, startKafka, type KafkaBroker } from './kafka.js';
import { ensureMinio, startMinio, type Minio } from './minio.js';
import { ensureRedis, startRedis, type RedisServer } from './redis.js';

export type StackService = 'kafka' | 'dynamodb' | 'minio' | 'redis';
export const STACK_SERVICES: StackService[] = ['kafka', 'dynamodb', 'minio', 'redis'];

/** Variables that point tests and the app at the stack. */
export const STACK_ENV_VARS = [
  'KAFKA_BROKERS',
  'DYNAMODB_ENDPOINT',
  'S3_ENDPOINT',
  'S3_ACCESS_KEY',
  'S3_SECRET_KEY',
  'MEDIA_NOTIFICATION_ARN',
  'REDIS_URL',
  'HERALD_TEST_STACK',
] as const;

export interface Stack {
  kafka: KafkaBroker;
  dynamodb: DynamoDbLocal;
  minio: Minio;
  redis: RedisServer;
  env: Record<(typeof STACK_ENV_VARS)[number], string>;
  /** Stops all four, in parallel. */
  stop(): Promise<void>;
}

const ensurers: Record<StackService, () => Promise<unknown>> = {
  kafka: ensureKafka,
  dynamodb: ensureDynamoDbLocal,
  minio: ensureMinio,
  redis: ensureRedis,
};

/** Downloads/builds what the given services need; returns how long each took. */
export async function provisionStack(services: StackService[] = STACK_SERVICES): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  // Maven resolution and the Go build mostly wait on the network and disk, so
  // they overlap well even on 2 cores.
  await Promise.all(
    services.map(async (service) => {
      const started = Date.now();
      await ensurers[service]();
      timings[service] = Date.now() - started;
    }),
  );
  return timings;
}

export async function startStack(): Promise<Stack> {
  await provisionStack();
  // MinIO publishes its bucket notifications to the broker, so it starts once the broker is up.
  const kafkaStarting = startKafka();
  const minioStarting = kafkaStarting.then((broker) => startMinio({ kafkaBrokers: broker.brokers }));
  const results = await Promise.allSettled([kafkaStarting, startDynamoDbLocal(), minioStarting, startRedis()] as const);
  const [kafka, dynamodb, minio, redis] = results;
  if (kafka.status === 'rejected' || dynamodb.status === 'rejected' || minio.status === 'rejected' || redis.status === 'rejected') {
    // Do not leave the ones that did start running.
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason?.stack ?? r.reason)] : []));
    throw new Error(`Starting the local stack failed:\n${reasons.join('\n\n')}`);
  }
  return {
    kafka: kafka.value,
    dynamodb: dynamodb.value,
    minio: minio.value,
    redis: redis.value,
    env: {
      KAFKA_BROKERS: kafka.value.brokers,
      DYNAMODB_ENDPOINT: dynamodb.value.endpoint,
      S3_ENDPOINT: minio.value.endpoint,
      S3_ACCESS_KEY: minio.value.accessKey,
      S3_SECRET_KEY: minio.value.secretKey,
      MEDIA_NOTIFICATION_ARN: minio.value.notificationArn ?? '',
      REDIS_URL: redis.value.url,
      HERALD_TEST_STACK: '1',
    },
    stop: async () => {
      await Promise.all([kafka.value.stop(), dynamodb.value.stop(), minio.value.stop(), redis.value.stop()]);
    },
  };
}
