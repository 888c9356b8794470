import { readEnv } from '@herald/config';
import { isFanoutError, loadFeedSettings, type FeedSettings } from '@herald/fanout';
import { isMediaError, loadMediaSettings, type MediaSettings } from '@herald/media';

/** "<requests>/<window>", e.g. `25/5m`: at most that many requests per window (s, m or h). */
const RATE_LIMIT_PATTERN = '^[1-9][0-9]{0,8}/[1-9][0-9]{0,5}[smh]$';

/** One rate limit: at most `max` requests per `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

const WINDOW_UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

function parseRateLimit(value: string): RateLimit {
  const [max, window] = value.split('/') as [string, string];
  return { max: Number(max), windowMs: Number(window.slice(0, -1)) * WINDOW_UNIT_MS[window.slice(-1) as keyof typeof WINDOW_UNIT_MS] };
}

/** TRUST_PROXY as Fastify's `trustProxy` takes it: off, on, a number of hops, or the proxies' addresses. */
function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^[0-9]+$/.test(value) ? Number(value) : value.split(',');
}

/**
 * Every setting Herald reads, validated once at start-up. Nothing else reads `process.env`.
 * The README's configuration table mirrors this schema.
 */
const configSchema = {
  type: 'object',
  properties: {
    HOST: { type: 'string', default: '127.0.0.1', minLength: 1 },
    PORT: { type: 'integer', default: 3000, minimum: 0, maximum: 65535 },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    DB_POOL_MAX: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    EMBEDDED_POSTGRES_PORT: { type: 'integer', minimum: 1, maximum: 65535, default: 54320 },
    KAFKA_BROKERS: { type: 'string', pattern: '^[^,\\s]+(,[^,\\s]+)*$' },
    KAFKA_CLIENT_ID: { type: 'string', minLength: 1, default: 'herald-api' },
    TOPIC_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]*$', default: '' },
    TOPIC_PARTITIONS: { type: 'integer', minimum: 1, maximum: 1000, default: 3 },
    EVENT_SOURCE: { type: 'string', minLength: 1, default: '/herald/api' },
    BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 10485760, default: 65536 },
    OUTBOX_BATCH_SIZE: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
    OUTBOX_SWEEP_INTERVAL_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 500 },
    OUTBOX_LINGER_MS: { type: 'integer', minimum: 0, maximum: 1000, default: 5 },
    OUTBOX_RETENTION_HOURS: { type: 'number', minimum: 0, maximum: 8760, default: 24 },
    PUBLISH_RETRY_MAX_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
    IN_PROCESS_CONSUMERS: { type: 'boolean', default: true },
    SSE_HEARTBEAT_MS: { type: 'integer', minimum: 100, maximum: 15000, default: 15000 },
    SSE_MAX_BUFFERED_BYTES: { type: 'integer', minimum: 1024, maximum: 104857600, default: 1048576 },
    SSE_RECENT_EVENTS: { type: 'integer', minimum: 0, maximum: 1000000, default: 10000 },
    AUTH_KEYS_FILE: { type: 'string', minLength: 1 },
    AUTH_ISSUER: { type: 'string', minLength: 1, default: 'herald' },
    AUTH_AUDIENCE: { type: 'string', minLength: 1, default: 'herald-api' },
    ACCESS_TOKEN_TTL_SECONDS: { type: 'integer', minimum: 30, maximum: 86400, default: 900 },
    REFRESH_TOKEN_TTL_SECONDS: { type: 'integer', minimum: 300, maximum: 31536000, default: 2592000 },
    HERALD_ADMIN_PASSWORD: { type: 'string', minLength: 12, maxLength: 256 },
    SSE_TICKET_TTL_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
    SSE_MAX_STREAMS_PER_USER: { type: 'integer', minimum: 1, maximum: 100000, default: 5 },
    // Rate limits, each "<requests>/<window>" (window in s, m or h): see the README.
    RATE_LIMIT_TOKEN_PER_ADDRESS: { type: 'string', pattern: RATE_LIMIT_PATTERN, default: '25/5m' },
    RATE_LIMIT_TOKEN_PER_HANDLE: { type: 'string', pattern: RATE_LIMIT_PATTERN, default: '10/15m' },
    RATE_LIMIT_AUTHENTICATED: { type: 'string', pattern: RATE_LIMIT_PATTERN, default: '1500/5m' },
    RATE_LIMIT_PUBLIC: { type: 'string', pattern: RATE_LIMIT_PATTERN, default: '600/5m' },
    CORS_ORIGINS: { type: 'string', pattern: '^https?://[^/\\s,]+(,https?://[^/\\s,]+)*$' },
    TRUST_PROXY: { type: 'string', pattern: '^(true|false|[0-9]{1,2}|[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*)$', default: 'false' },
    // Image posts: the media bucket lives on the notifier's S3 settings (S3_ENDPOINT, ...).
    MEDIA_BUCKET: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', default: 'herald-media' },
    MEDIA_PUBLIC_ENDPOINT: { type: 'string', pattern: '^https?://[^/\\s]+/?$' },
    MEDIA_UPLOAD_EXPIRY_SECONDS: { type: 'integer', minimum: 1, maximum: 604800, default: 86400 },
    MEDIA_UPLOAD_URL_TTL_SECONDS: { type: 'integer', minimum: 1, maximum: 604800, default: 3600 },
    MEDIA_IMAGE_URL_TTL_SECONDS: { type: 'integer', minimum: 1, maximum: 604800, default: 900 },
    MEDIA_SWEEP_INTERVAL_MS: { type: 'integer', minimum: 10, maximum: 86400000, default: 60000 },
    MEDIA_RESCAN_AFTER_SECONDS: { type: 'integer', minimum: 0, maximum: 86400, default: 300 },
    MEDIA_NOTIFICATION_ARN: { type: 'string', pattern: '^arn:[A-Za-z0-9:_.-]+$' },
  },
  additionalProperties: true,
} as const;

export interface Config {
  auth: {
    /** JWK Set of the token keys; absent: `<dataDir>/auth/signing-keys.json`, generated at first start. */
    keysFile: string | undefined;
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** The password start-up gives the `admin` account; see runtime.ts for when it is unset. */
    adminPassword: string | undefined;
  };
  host: string;
  port: number;
  logLevel: string;
  /** Absent: an embedded PostgreSQL is started with its data under `dataDir`. */
  databaseUrl: string | undefined;
  dbPoolMax: number;
  dataDir: string;
  embeddedPostgresPort: number;
  /** Absent: the embedded in-process broker is used. */
  kafkaBrokers: string[] | undefined;
  kafkaClientId: string;
  topicPrefix: string;
  topicPartitions: number;
  eventSource: string;
  bodyLimitBytes: number;
  outbox: {
    batchSize: number;
    sweepIntervalMs: number;
    lingerMs: number;
    retentionHours: number;
    retryMaxMs: number;
  };
  shutdownTimeoutMs: number;
  /** Run the notifier and analytics consumers inside the API process (required on the embedded broker). */
  inProcessConsumers: boolean;
  /**
   * Rate limits (in memory, per instance): sign-in per client address and per handle; operations
   * that declare security per user; public operations per user when signed in, else per address.
   */
  rateLimits: {
    tokenPerAddress: RateLimit;
    tokenPerHandle: RateLimit;
    authenticated: RateLimit;
    public: RateLimit;
  };
  /** Origins allowed to call the API from a browser (CORS); empty: none. */
  corsOrigins: string[];
  /** Fastify's `trustProxy`: whether, or which, proxies' X-Forwarded-For give the client address. */
  trustProxy: boolean | number | string[];
  /** Feed tables and the celebrity threshold (FANOUT_*, FEED_*), shared with the fan-out that writes the feeds. */
  feeds: FeedSettings;
  /** What the media worker does with each upload (MEDIA_CONCURRENCY, MEDIA_MAX_PIXELS, ...), when it runs in the consumer thread. */
  mediaWorker: MediaSettings;
  /** Image uploads (MEDIA_*); storage itself is the notifier's S3 (S3_ENDPOINT, ...). */
  media: {
    bucket: string;
    /** Where clients reach storage, when not where the API does (e.g. `http://localhost:9000` for `http://minio:9000`). */
    publicEndpoint: string | undefined;
    /** An image whose upload is not completed this long after it was declared is abandoned. */
    uploadExpirySeconds: number;
    /** Lifetime of presigned upload URLs and POST policies (never past the upload's expiry). */
    uploadUrlTtlSeconds: number;
    /** Lifetime of the presigned GET of a ready image. */
    imageUrlTtlSeconds: number;
    /** How often the expiry sweep and the safety-net scan run. */
    sweepIntervalMs: number;
    /** A pending upload whose object exists this long without a worker result gets PostImageUploaded again. */
    rescanAfterSeconds: number;
    /**
     * On MinIO: the notification target (e.g. `arn:minio:sqs::MEDIA:kafka`) the API points the
     * bucket's s3:ObjectCreated:* events under `uploads/` at, at start. Unset: left as it is.
     */
    notificationArn: string | undefined;
  };
  sse: {
    heartbeatMs: number;
    maxBufferedBytes: number;
    recentEvents: number;
    /** How long a stream ticket may wait before it is used. */
    ticketTtlSeconds: number;
    /** Streams one user may hold open on one instance at a time. */
    maxStreamsPerUser: number;
  };
}

export class ConfigError extends Error {
  readonly code = 'HERALD_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type RawConfig = {
  AUTH_KEYS_FILE?: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REFRESH_TOKEN_TTL_SECONDS: number;
  HERALD_ADMIN_PASSWORD?: string;
  HOST: string;
  PORT: number;
  LOG_LEVEL: string;
  DATABASE_URL?: string;
  DB_POOL_MAX: number;
  DATA_DIR: string;
  EMBEDDED_POSTGRES_PORT: number;
  KAFKA_BROKERS?: string;
  KAFKA_CLIENT_ID: string;
  TOPIC_PREFIX: string;
  TOPIC_PARTITIONS: number;
  EVENT_SOURCE: string;
  BODY_LIMIT_BYTES: number;
  OUTBOX_BATCH_SIZE: number;
  OUTBOX_SWEEP_INTERVAL_MS: number;
  OUTBOX_LINGER_MS: number;
  OUTBOX_RETENTION_HOURS: number;
  PUBLISH_RETRY_MAX_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
  IN_PROCESS_CONSUMERS: boolean;
  RATE_LIMIT_TOKEN_PER_ADDRESS: string;
  RATE_LIMIT_TOKEN_PER_HANDLE: string;
  RATE_LIMIT_AUTHENTICATED: string;
  RATE_LIMIT_PUBLIC: string;
  CORS_ORIGINS?: string;
  TRUST_PROXY: string;
  MEDIA_BUCKET: string;
  MEDIA_PUBLIC_ENDPOINT?: string;
  MEDIA_UPLOAD_EXPIRY_SECONDS: number;
  MEDIA_UPLOAD_URL_TTL_SECONDS: number;
  MEDIA_IMAGE_URL_TTL_SECONDS: number;
  MEDIA_SWEEP_INTERVAL_MS: number;
  MEDIA_RESCAN_AFTER_SECONDS: number;
  MEDIA_NOTIFICATION_ARN?: string;
  SSE_HEARTBEAT_MS: number;
  SSE_MAX_BUFFERED_BYTES: number;
  SSE_RECENT_EVENTS: number;
  SSE_TICKET_TTL_SECONDS: number;
  SSE_MAX_STREAMS_PER_USER: number;
};


export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw = readEnv<RawConfig>(configSchema, env, (message) => new ConfigError(message));
  let feeds: FeedSettings;
  try {
    feeds = loadFeedSettings(env);
  } catch (error) {
    if (!isFanoutError(error)) throw error;
    throw new ConfigError(error.message);
  }
  let mediaWorker: MediaSettings;
  try {
    mediaWorker = loadMediaSettings(env);
  } catch (error) {
    if (!isMediaError(error)) throw error;
    throw new ConfigError(error.message);
  }
  return {
    auth: {
      keysFile: raw.AUTH_KEYS_FILE,
      issuer: raw.AUTH_ISSUER,
      audience: raw.AUTH_AUDIENCE,
      accessTokenTtlSeconds: raw.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: raw.REFRESH_TOKEN_TTL_SECONDS,
      adminPassword: raw.HERALD_ADMIN_PASSWORD,
    },
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    databaseUrl: raw.DATABASE_URL,
    dbPoolMax: raw.DB_POOL_MAX,
    dataDir: raw.DATA_DIR,
    embeddedPostgresPort: raw.EMBEDDED_POSTGRES_PORT,
    kafkaBrokers: raw.KAFKA_BROKERS?.split(','),
    kafkaClientId: raw.KAFKA_CLIENT_ID,
    topicPrefix: raw.TOPIC_PREFIX,
    topicPartitions: raw.TOPIC_PARTITIONS,
    eventSource: raw.EVENT_SOURCE,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    outbox: {
      batchSize: raw.OUTBOX_BATCH_SIZE,
      sweepIntervalMs: raw.OUTBOX_SWEEP_INTERVAL_MS,
      lingerMs: raw.OUTBOX_LINGER_MS,
      retentionHours: raw.OUTBOX_RETENTION_HOURS,
      retryMaxMs: raw.PUBLISH_RETRY_MAX_MS,
    },
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    inProcessConsumers: raw.IN_PROCESS_CONSUMERS,
    rateLimits: {
      tokenPerAddress: parseRateLimit(raw.RATE_LIMIT_TOKEN_PER_ADDRESS),
      tokenPerHandle: parseRateLimit(raw.RATE_LIMIT_TOKEN_PER_HANDLE),
      authenticated: parseRateLimit(raw.RATE_LIMIT_AUTHENTICATED),
      public: parseRateLimit(raw.RATE_LIMIT_PUBLIC),
    },
    corsOrigins: raw.CORS_ORIGINS?.split(',') ?? [],
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    feeds,
    mediaWorker,
    media: {
      bucket: raw.MEDIA_BUCKET,
      publicEndpoint: raw.MEDIA_PUBLIC_ENDPOINT?.replace(/\/$/, ''),
      uploadExpirySeconds: raw.MEDIA_UPLOAD_EXPIRY_SECONDS,
      uploadUrlTtlSeconds: raw.MEDIA_UPLOAD_URL_TTL_SECONDS,
      imageUrlTtlSeconds: raw.MEDIA_IMAGE_URL_TTL_SECONDS,
      sweepIntervalMs: raw.MEDIA_SWEEP_INTERVAL_MS,
      rescanAfterSeconds: raw.MEDIA_RESCAN_AFTER_SECONDS,
      notificationArn: raw.MEDIA_NOTIFICATION_ARN,
    },
    sse: {
      heartbeatMs: raw.SSE_HEARTBEAT_MS,
      maxBufferedBytes: raw.SSE_MAX_BUFFERED_BYTES,
      recentEvents: raw.SSE_RECENT_EVENTS,
      ticketTtlSeconds: raw.SSE_TICKET_TTL_SECONDS,
      maxStreamsPerUser: raw.SSE_MAX_STREAMS_PER_USER,
    },
  };
}
