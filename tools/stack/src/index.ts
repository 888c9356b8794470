export { findFreePort } from './ports.js';
export { cacheDir, repoRoot } from './paths.js';
export { ensureKafka, startKafka, KAFKA_VERSION } from './kafka.js';
export type { KafkaBroker, KafkaInstall, KafkaOptions } from './kafka.js';
export {
  ensureDynamoDbLocal,
  startDynamoDbLocal,
  DYNAMODB_LOCAL_VERSION,
  DYNAMODB_LOCAL_CREDENTIALS,
  DYNAMODB_LOCAL_REGION,
} from './dynamodb-local.js';
export type { DynamoDbLocal, DynamoDbLocalInstall, DynamoDbLocalOptions } from './dynamodb-local.js';
export { ensureMinio, startMinio, MINIO_FALLBACK_VERSION } from './minio.js';
export type { Minio, MinioInstall, MinioOptions } from './minio.js';
export { ensureRedis, startRedis } from './redis.js';
export type { RedisInstall, RedisOptions, RedisServer } from './redis.js';
export { createTestDatabase, testServerUrl } from './test-database.js';
export { eventually } from './eventually.js';
export { eventIdAt, productCreatedAt, productDeletedAt } from './fixtures.js';
