import { readEnv } from '@herald/config';
import { FANOUT_ERROR_CODES, FanoutError } from './errors.js';

/**
 * The feed settings: what the fan-out writes and what the API's feed read needs to agree with it
 * (table names, the celebrity threshold). Both validate them from the same environment.
 */
const feedSettingsProperties = {
  FANOUT_TABLE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_.-]{0,200}$', default: 'herald-' },
  FANOUT_CELEBRITY_THRESHOLD: { type: 'integer', minimum: 1, maximum: 1000000000, default: 10000 },
  FANOUT_BATCH_SIZE: { type: 'integer', minimum: 500, maximum: 5000, default: 1000 },
  FANOUT_WRITE_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 64, default: 8 },
  FANOUT_BACKFILL_POSTS: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  FEED_MAX_ENTRIES: { type: 'integer', minimum: 10, maximum: 10000, default: 800 },
  FEED_TRIM_EVERY: { type: 'integer', minimum: 1, maximum: 1000, default: 16 },
  AUTHOR_POSTS_MAX: { type: 'integer', minimum: 10, maximum: 10000, default: 200 },
  FANOUT_TASK_SPAN: { type: 'integer', minimum: 500, maximum: 1000000, default: 10000 },
  FANOUT_TASK_PARTITIONS: { type: 'integer', minimum: 1, maximum: 1024, default: 6 },
  REDIS_URL: { type: 'string', pattern: '^rediss?://' },
  FEED_CACHE_TTL_SECONDS: { type: 'integer', minimum: 10, maximum: 604800, default: 3600 },
} as const;

const configSchema = {
  type: 'object',
  properties: {
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
    DYNAMODB_ENDPOINT: { type: 'string', pattern: '^https?://' },
    DYNAMODB_REGION: { type: 'string', minLength: 1, default: 'us-east-1' },
    DYNAMODB_ACCESS_KEY_ID: { type: 'string', minLength: 1 },
    DYNAMODB_SECRET_ACCESS_KEY: { type: 'string', minLength: 1 },
    KAFKA_BROKERS: { type: 'string', pattern: '^[^,\\s]+(,[^,\\s]+)*$' },
    KAFKA_CLIENT_ID: { type: 'string', minLength: 1, default: 'herald-fanout' },
    TOPIC_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]*$', default: '' },
    ...feedSettingsProperties,
  },
  additionalProperties: true,
} as const;

/** Where the feed data lives and how the fan-out writes it. */
export interface FeedSettings {
  tables: {
    /** `user#<id>` / `follower#<id>` and `following#<id>` edges, and each user's follower counter. */
    followGraph: string;
    /** `feed#<userId>` / `<timestamp>#<postId>`: each user's feed, newest `feedMaxEntries` kept. */
    feeds: string;
    /** `user#<id>` / `<timestamp>#<postId>`: each author's last `authorPostsMax` posts (and `post#<id>` lookups). */
    authorPosts: string;
  };
  /** Authors with at least this many followers are not pushed: their posts are merged at read time. */
  celebrityThreshold: number;
  /** Followers read per Query while pushing a post (500..5000). */
  batchSize: number;
  /** BatchWriteItem requests in flight per fan-out. */
  writeConcurrency: number;
  /** An author with more followers than this is fanned out in tasks of this many followers each, shared by the replicas. */
  taskSpan: number;
  /** Partitions of the task topic when the fan-out creates it (how many replicas can share one fan-out). */
  taskPartitions: number;
  /** Posts of the followed user written into a new follower's feed. */
  backfillPosts: number;
  feedMaxEntries: number;
  /** A feed is trimmed back to `feedMaxEntries` on about one write in this many. */
  trimEvery: number;
  authorPostsMax: number;
  /**
   * The Redis in front of the feed table (a sorted set per user, written first, read first,
   * rebuilt from the table on a miss); absent: feeds are read from the table alone.
   */
  redisUrl: string | undefined;
  /** How long a cached feed lives after it was rebuilt (reads and writes do not extend it). */
  cacheTtlSeconds: number;
}

export interface FanoutConfig {
  logLevel: string;
  shutdownTimeoutMs: number;
  dynamodb: {
    /** Absent: AWS's regional endpoint. */
    endpoint: string | undefined;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
  /** Absent: no Kafka (the API then runs the fan-out in its consumer thread, on its embedded broker). */
  kafkaBrokers: string[] | undefined;
  kafkaClientId: string;
  topicPrefix: string;
  feeds: FeedSettings;
}

interface RawFeedSettings {
  FANOUT_TABLE_PREFIX: string;
  FANOUT_CELEBRITY_THRESHOLD: number;
  FANOUT_BATCH_SIZE: number;
  FANOUT_WRITE_CONCURRENCY: number;
  FANOUT_BACKFILL_POSTS: number;
  FEED_MAX_ENTRIES: number;
  FEED_TRIM_EVERY: number;
  AUTHOR_POSTS_MAX: number;
  FANOUT_TASK_SPAN: number;
  FANOUT_TASK_PARTITIONS: number;
  REDIS_URL?: string;
  FEED_CACHE_TTL_SECONDS: number;
}

interface RawConfig extends RawFeedSettings {
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  DYNAMODB_ENDPOINT?: string;
  DYNAMODB_REGION: string;
  DYNAMODB_ACCESS_KEY_ID?: string;
  DYNAMODB_SECRET_ACCESS_KEY?: string;
  KAFKA_BROKERS?: string;
  KAFKA_CLIENT_ID: string;
  TOPIC_PREFIX: string;
}


function parse<T>(schema: object, env: Record<string, string | undefined>): T {
  return readEnv<T>(schema, env, (message, cause) => new FanoutError(FANOUT_ERROR_CODES.config, message, { cause }));
}

function feedSettingsOf(raw: RawFeedSettings): FeedSettings {
  if (raw.FANOUT_BACKFILL_POSTS > raw.AUTHOR_POSTS_MAX) {
    throw new FanoutError(
      FANOUT_ERROR_CODES.config,
      `invalid configuration: FANOUT_BACKFILL_POSTS (${raw.FANOUT_BACKFILL_POSTS}) is more than AUTHOR_POSTS_MAX (${raw.AUTHOR_POSTS_MAX}) keeps`,
    );
  }
  const prefix = raw.FANOUT_TABLE_PREFIX;
  return {
    tables: { followGraph: `${prefix}follow-graph`, feeds: `${prefix}feeds`, authorPosts: `${prefix}author-posts` },
    celebrityThreshold: raw.FANOUT_CELEBRITY_THRESHOLD,
    batchSize: raw.FANOUT_BATCH_SIZE,
    writeConcurrency: raw.FANOUT_WRITE_CONCURRENCY,
    taskSpan: raw.FANOUT_TASK_SPAN,
    taskPartitions: raw.FANOUT_TASK_PARTITIONS,
    backfillPosts: raw.FANOUT_BACKFILL_POSTS,
    feedMaxEntries: raw.FEED_MAX_ENTRIES,
    trimEvery: raw.FEED_TRIM_EVERY,
    authorPostsMax: raw.AUTHOR_POSTS_MAX,
    redisUrl: raw.REDIS_URL,
    cacheTtlSeconds: raw.FEED_CACHE_TTL_SECONDS,
  };
}

/** The feed settings alone (the API reads them to serve feeds; the consumer thread to write them). */
export function loadFeedSettings(env: Record<string, string | undefined>): FeedSettings {
  return feedSettingsOf(parse<RawFeedSettings>({ type: 'object', properties: feedSettingsProperties, additionalProperties: true }, env));
}

/** Every setting of the fan-out process, validated once. Nothing else reads `process.env`. */
export function loadConfig(env: Record<string, string | undefined>): FanoutConfig {
  const raw = parse<RawConfig>(configSchema, env);
  if ((raw.DYNAMODB_ACCESS_KEY_ID === undefined) !== (raw.DYNAMODB_SECRET_ACCESS_KEY === undefined)) {
    throw new FanoutError(FANOUT_ERROR_CODES.config, 'invalid configuration: DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY are set together or not at all');
  }
  let credentials: FanoutConfig['dynamodb']['credentials'];
  if (raw.DYNAMODB_ACCESS_KEY_ID && raw.DYNAMODB_SECRET_ACCESS_KEY) {
    credentials = { accessKeyId: raw.DYNAMODB_ACCESS_KEY_ID, secretAccessKey: raw.DYNAMODB_SECRET_ACCESS_KEY };
  } else if (raw.DYNAMODB_ENDPOINT && !new URL(raw.DYNAMODB_ENDPOINT).hostname.endsWith('.amazonaws.com')) {
    // DynamoDB Local checks the signature's shape, not the keys.
    credentials = { accessKeyId: 'herald', secretAccessKey: 'herald-secret' };
  }
  return {
    logLevel: raw.LOG_LEVEL,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    dynamodb: { endpoint: raw.DYNAMODB_ENDPOINT, region: raw.DYNAMODB_REGION, credentials },
    kafkaBrokers: raw.KAFKA_BROKERS?.split(','),
    kafkaClientId: raw.KAFKA_CLIENT_ID,
    topicPrefix: raw.TOPIC_PREFIX,
    feeds: feedSettingsOf(raw),
  };
}
