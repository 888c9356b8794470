import { readEnv } from '@herald/config';
import { NOTIFIER_ERROR_CODES, NotifierError } from './errors.js';

/**
 * Every setting the notifier reads (standalone process, replay command, or in-process in the
 * API, which passes the same environment), validated once. Nothing else reads `process.env`.
 */
const configSchema = {
  type: 'object',
  properties: {
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },

    DYNAMODB_ENDPOINT: { type: 'string', pattern: '^https?://' },
    DYNAMODB_REGION: { type: 'string', minLength: 1, default: 'us-east-1' },
    DYNAMODB_ACCESS_KEY_ID: { type: 'string', minLength: 1 },
    DYNAMODB_SECRET_ACCESS_KEY: { type: 'string', minLength: 1 },
    EMBEDDED_DYNAMODB_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 54321 },
    EVENT_LOG_TABLE: { type: 'string', pattern: '^[A-Za-z0-9_.-]{3,255}$', default: 'herald-events' },
    EVENT_LOG_RETENTION_SECONDS: { type: 'number', exclusiveMinimum: 0, maximum: 31536000, default: 604800 },
    EVENT_LOG_TTL_GRACE_SECONDS: { type: 'number', minimum: 0, maximum: 31536000, default: 604800 },
    NOTIFICATIONS_TABLE: { type: 'string', pattern: '^[A-Za-z0-9_.-]{3,255}$', default: 'herald-notifications' },
    STARTUP_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
    STARTUP_RETRY_DELAY_MS: { type: 'integer', minimum: 1, maximum: 60000, default: 500 },

    S3_ENDPOINT: { type: 'string', pattern: '^https?://' },
    S3_REGION: { type: 'string', minLength: 1, default: 'us-east-1' },
    S3_ACCESS_KEY: { type: 'string', minLength: 1 },
    S3_SECRET_KEY: { type: 'string', minLength: 1 },
    S3_BUCKET: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', default: 'herald-events-archive' },
    EMBEDDED_S3_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 54322 },
    ARCHIVE_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 86400000, default: 60000 },
    ARCHIVE_BATCH_SIZE: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },

    KAFKA_BROKERS: { type: 'string', pattern: '^[^,\\s]+(,[^,\\s]+)*$' },
    KAFKA_CLIENT_ID: { type: 'string', minLength: 1, default: 'herald-notifier' },
    TOPIC_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]*$', default: '' },
    TOPIC_PARTITIONS: { type: 'integer', minimum: 1, maximum: 1000, default: 3 },
  },
  additionalProperties: true,
} as const;

export interface NotifierConfig {
  logLevel: string;
  /** Where the embedded stores keep their data (`<dataDir>/event-log`, `<dataDir>/archive`). */
  dataDir: string;
  shutdownTimeoutMs: number;
  dynamodb: {
    /** Absent: embedded dynalite on `embeddedPort`, data in `<dataDir>/event-log`. */
    endpoint: string | undefined;
    region: string;
    /** Absent: the SDK's credential chain for AWS endpoints, placeholder keys for local ones. */
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    embeddedPort: number;
  };
  eventLog: {
    table: string;
    retentionSeconds: number;
    ttlGraceSeconds: number;
  };
  /** What concerns people (someone followed them, commented...), in a table of its own. */
  notifications: { table: string };
  /** Bounded retries while DynamoDB or object storage is unreachable at start. */
  startup: { attempts: number; initialDelayMs: number };
  s3: {
    /** Absent: embedded s3rver on `embeddedPort`, objects under `<dataDir>/archive`. */
    endpoint: string | undefined;
    region: string;
    accessKey: string | undefined;
    secretKey: string | undefined;
    embeddedPort: number;
  };
  archive: { bucket: string; intervalMs: number; batchSize: number };
  /** Absent: embedded mode (the broker lives inside the API process). */
  kafkaBrokers: string[] | undefined;
  kafkaClientId: string;
  topicPrefix: string;
  topicPartitions: number;
}

interface RawConfig {
  LOG_LEVEL: string;
  DATA_DIR: string;
  SHUTDOWN_TIMEOUT_MS: number;
  DYNAMODB_ENDPOINT?: string;
  DYNAMODB_REGION: string;
  DYNAMODB_ACCESS_KEY_ID?: string;
  DYNAMODB_SECRET_ACCESS_KEY?: string;
  EMBEDDED_DYNAMODB_PORT: number;
  EVENT_LOG_TABLE: string;
  EVENT_LOG_RETENTION_SECONDS: number;
  EVENT_LOG_TTL_GRACE_SECONDS: number;
  NOTIFICATIONS_TABLE: string;
  STARTUP_ATTEMPTS: number;
  STARTUP_RETRY_DELAY_MS: number;
  S3_ENDPOINT?: string;
  S3_REGION: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  S3_BUCKET: string;
  EMBEDDED_S3_PORT: number;
  ARCHIVE_INTERVAL_MS: number;
  ARCHIVE_BATCH_SIZE: number;
  KAFKA_BROKERS?: string;
  KAFKA_CLIENT_ID: string;
  TOPIC_PREFIX: string;
  TOPIC_PARTITIONS: number;
}


function configError(message: string): NotifierError {
  return new NotifierError(NOTIFIER_ERROR_CODES.config, `invalid configuration: ${message}`);
}

export function loadConfig(env: Record<string, string | undefined>): NotifierConfig {
  const raw = readEnv<RawConfig>(configSchema, env, (message, cause) => new NotifierError(NOTIFIER_ERROR_CODES.config, message, { cause }));
  if ((raw.DYNAMODB_ACCESS_KEY_ID === undefined) !== (raw.DYNAMODB_SECRET_ACCESS_KEY === undefined)) {
    throw configError('DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY are set together or not at all');
  }
  if (raw.S3_ENDPOINT && (!raw.S3_ACCESS_KEY || !raw.S3_SECRET_KEY)) {
    throw configError(`S3_ENDPOINT is set (${raw.S3_ENDPOINT}) but S3_ACCESS_KEY or S3_SECRET_KEY is missing`);
  }
  let credentials: NotifierConfig['dynamodb']['credentials'];
  if (raw.DYNAMODB_ACCESS_KEY_ID && raw.DYNAMODB_SECRET_ACCESS_KEY) {
    credentials = { accessKeyId: raw.DYNAMODB_ACCESS_KEY_ID, secretAccessKey: raw.DYNAMODB_SECRET_ACCESS_KEY };
  } else if (raw.DYNAMODB_ENDPOINT && !new URL(raw.DYNAMODB_ENDPOINT).hostname.endsWith('.amazonaws.com')) {
    // DynamoDB Local and dynalite check the signature's shape, not the keys.
    credentials = { accessKeyId: 'herald', secretAccessKey: 'herald-secret' };
  }
  return {
    logLevel: raw.LOG_LEVEL,
    dataDir: raw.DATA_DIR,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    dynamodb: {
      endpoint: raw.DYNAMODB_ENDPOINT,
      region: raw.DYNAMODB_REGION,
      credentials,
      embeddedPort: raw.EMBEDDED_DYNAMODB_PORT,
    },
    eventLog: {
      table: raw.EVENT_LOG_TABLE,
      retentionSeconds: raw.EVENT_LOG_RETENTION_SECONDS,
      ttlGraceSeconds: raw.EVENT_LOG_TTL_GRACE_SECONDS,
    },
    notifications: { table: raw.NOTIFICATIONS_TABLE },
    startup: { attempts: raw.STARTUP_ATTEMPTS, initialDelayMs: raw.STARTUP_RETRY_DELAY_MS },
    s3: {
      endpoint: raw.S3_ENDPOINT,
      region: raw.S3_REGION,
      accessKey: raw.S3_ACCESS_KEY,
      secretKey: raw.S3_SECRET_KEY,
      embeddedPort: raw.EMBEDDED_S3_PORT,
    },
    archive: { bucket: raw.S3_BUCKET, intervalMs: raw.ARCHIVE_INTERVAL_MS, batchSize: raw.ARCHIVE_BATCH_SIZE },
    kafkaBrokers: raw.KAFKA_BROKERS?.split(','),
    kafkaClientId: raw.KAFKA_CLIENT_ID,
    topicPrefix: raw.TOPIC_PREFIX,
    topicPartitions: raw.TOPIC_PARTITIONS,
  };
}
