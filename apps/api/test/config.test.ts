import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

// loadConfig is given its environment explicitly below; any of Herald's variables present in the
// environment of the test process (a runner may set KAFKA_BROKERS) are set aside meanwhile.
const HERALD_VARIABLES = [
  'HOST', 'PORT', 'LOG_LEVEL', 'DATABASE_URL', 'DB_POOL_MAX', 'DATA_DIR', 'EMBEDDED_POSTGRES_PORT', 'KAFKA_BROKERS',
  'KAFKA_CLIENT_ID', 'TOPIC_PREFIX', 'TOPIC_PARTITIONS', 'EVENT_SOURCE', 'BODY_LIMIT_BYTES', 'OUTBOX_BATCH_SIZE',
  'OUTBOX_SWEEP_INTERVAL_MS', 'OUTBOX_LINGER_MS', 'OUTBOX_RETENTION_HOURS', 'PUBLISH_RETRY_MAX_MS', 'SHUTDOWN_TIMEOUT_MS',
  'SSE_HEARTBEAT_MS', 'SSE_MAX_BUFFERED_BYTES', 'SSE_RECENT_EVENTS', 'IN_PROCESS_CONSUMERS', 'SSE_TICKET_TTL_SECONDS',
  'SSE_MAX_STREAMS_PER_USER', 'AUTH_KEYS_FILE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'ACCESS_TOKEN_TTL_SECONDS',
  'REFRESH_TOKEN_TTL_SECONDS', 'HERALD_ADMIN_PASSWORD', 'RATE_LIMIT_TOKEN_PER_ADDRESS', 'RATE_LIMIT_TOKEN_PER_HANDLE',
  'RATE_LIMIT_AUTHENTICATED', 'RATE_LIMIT_PUBLIC', 'CORS_ORIGINS', 'TRUST_PROXY', 'FANOUT_TABLE_PREFIX',
  'FANOUT_CELEBRITY_THRESHOLD', 'FANOUT_BATCH_SIZE', 'FANOUT_WRITE_CONCURRENCY', 'FANOUT_BACKFILL_POSTS', 'FEED_MAX_ENTRIES',
  'FEED_TRIM_EVERY', 'AUTHOR_POSTS_MAX', 'FANOUT_TASK_SPAN', 'FANOUT_TASK_PARTITIONS', 'REDIS_URL', 'FEED_CACHE_TTL_SECONDS', 'MEDIA_BUCKET', 'MEDIA_PUBLIC_ENDPOINT', 'MEDIA_UPLOAD_EXPIRY_SECONDS',
  'MEDIA_UPLOAD_URL_TTL_SECONDS', 'MEDIA_IMAGE_URL_TTL_SECONDS', 'MEDIA_SWEEP_INTERVAL_MS', 'MEDIA_RESCAN_AFTER_SECONDS',
  'MEDIA_NOTIFICATION_ARN', 'MEDIA_CONCURRENCY', 'MEDIA_MAX_PIXELS', 'MEDIA_MAX_BYTES', 'MEDIA_JPEG_QUALITY', 'MEDIA_WORK_DIR',
];
const setAside = Object.fromEntries(HERALD_VARIABLES.filter((name) => name in process.env).map((name) => [name, process.env[name]]));
for (const name of HERALD_VARIABLES) delete process.env[name];
t.teardown(() => {
  for (const name of HERALD_VARIABLES) delete process.env[name];
  Object.assign(process.env, setAside);
});

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

t.test('with nothing set, every setting has its documented default', async (t) => {
  t.strictSame(loadConfig({}), {
    auth: {
      keysFile: undefined,
      issuer: 'herald',
      audience: 'herald-api',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2592000,
      adminPassword: undefined,
    },
    host: '127.0.0.1',
    port: 3000,
    logLevel: 'info',
    databaseUrl: undefined,
    dbPoolMax: 10,
    dataDir: '.data',
    embeddedPostgresPort: 54320,
    kafkaBrokers: undefined,
    kafkaClientId: 'herald-api',
    topicPrefix: '',
    topicPartitions: 3,
    eventSource: '/herald/api',
    bodyLimitBytes: 65536,
    outbox: { batchSize: 500, sweepIntervalMs: 500, lingerMs: 5, retentionHours: 24, retryMaxMs: 30000 },
    shutdownTimeoutMs: 10000,
    inProcessConsumers: true,
    rateLimits: {
      tokenPerAddress: { max: 25, windowMs: 300000 },
      tokenPerHandle: { max: 10, windowMs: 900000 },
      authenticated: { max: 1500, windowMs: 300000 },
      public: { max: 600, windowMs: 300000 },
    },
    corsOrigins: [],
    trustProxy: false,
    feeds: {
      tables: { followGraph: 'herald-follow-graph', feeds: 'herald-feeds', authorPosts: 'herald-author-posts' },
      celebrityThreshold: 10000,
      batchSize: 1000,
      writeConcurrency: 8,
      taskSpan: 10000,
      taskPartitions: 6,
      backfillPosts: 50,
      feedMaxEntries: 800,
      trimEvery: 16,
      authorPostsMax: 200,
      redisUrl: undefined,
      cacheTtlSeconds: 3600,
    },
    mediaWorker: {
      bucket: 'herald-media',
      concurrency: 2,
      maxPixels: 100000000,
      maxBytes: 104857600,
      jpegQuality: 82,
      workDir: join(tmpdir(), 'herald-media'),
    },
    media: {
      bucket: 'herald-media',
      publicEndpoint: undefined,
      uploadExpirySeconds: 86400,
      uploadUrlTtlSeconds: 3600,
      imageUrlTtlSeconds: 900,
      sweepIntervalMs: 60000,
      rescanAfterSeconds: 300,
      notificationArn: undefined,
    },
    sse: { heartbeatMs: 15000, maxBufferedBytes: 1048576, recentEvents: 10000, ticketTtlSeconds: 60, maxStreamsPerUser: 5 },
  });
});

t.test('every variable is read into its setting, numbers as numbers', async (t) => {
  const config = loadConfig({
    HOST: '0.0.0.0',
    PORT: '8080',
    LOG_LEVEL: 'debug',
    DATABASE_URL: 'postgresql://herald@db:5432/herald',
    DB_POOL_MAX: '20',
    DATA_DIR: '/var/lib/herald',
    EMBEDDED_POSTGRES_PORT: '15432',
    KAFKA_BROKERS: 'kafka-1:9092',
    KAFKA_CLIENT_ID: 'herald-api-7',
    TOPIC_PREFIX: 'staging.',
    TOPIC_PARTITIONS: '12',
    EVENT_SOURCE: '/herald/staging',
    BODY_LIMIT_BYTES: '1048576',
    OUTBOX_BATCH_SIZE: '100',
    OUTBOX_SWEEP_INTERVAL_MS: '250',
    OUTBOX_LINGER_MS: '20',
    OUTBOX_RETENTION_HOURS: '0.5',
    PUBLISH_RETRY_MAX_MS: '5000',
    SHUTDOWN_TIMEOUT_MS: '2000',
    SSE_HEARTBEAT_MS: '1000',
    SSE_MAX_BUFFERED_BYTES: '2048',
    SSE_RECENT_EVENTS: '0',
    IN_PROCESS_CONSUMERS: 'false',
    SSE_TICKET_TTL_SECONDS: '30',
    SSE_MAX_STREAMS_PER_USER: '3',
    AUTH_KEYS_FILE: '/etc/herald/keys.json',
    AUTH_ISSUER: 'https://auth.example',
    AUTH_AUDIENCE: 'herald-staging',
    ACCESS_TOKEN_TTL_SECONDS: '300',
    REFRESH_TOKEN_TTL_SECONDS: '86400',
    HERALD_ADMIN_PASSWORD: 'a-long-admin-password',
    RATE_LIMIT_TOKEN_PER_ADDRESS: '5/1m',
    RATE_LIMIT_TOKEN_PER_HANDLE: '3/1h',
    RATE_LIMIT_AUTHENTICATED: '100/10s',
    RATE_LIMIT_PUBLIC: '50/1m',
    CORS_ORIGINS: 'https://a.example,http://localhost:5173',
    TRUST_PROXY: '1',
    FANOUT_TABLE_PREFIX: 'staging-',
    FANOUT_CELEBRITY_THRESHOLD: '5000',
    FANOUT_BATCH_SIZE: '2000',
    FANOUT_WRITE_CONCURRENCY: '4',
    FANOUT_BACKFILL_POSTS: '20',
    FEED_MAX_ENTRIES: '500',
    FEED_TRIM_EVERY: '1',
    AUTHOR_POSTS_MAX: '100',
    FANOUT_TASK_SPAN: '2500',
    FANOUT_TASK_PARTITIONS: '24',
    REDIS_URL: 'redis://cache:6379/0',
    FEED_CACHE_TTL_SECONDS: '600',
    MEDIA_BUCKET: 'staging-media',
    MEDIA_PUBLIC_ENDPOINT: 'https://media.example/',
    MEDIA_UPLOAD_EXPIRY_SECONDS: '7200',
    MEDIA_UPLOAD_URL_TTL_SECONDS: '600',
    MEDIA_IMAGE_URL_TTL_SECONDS: '60',
    MEDIA_SWEEP_INTERVAL_MS: '1000',
    MEDIA_RESCAN_AFTER_SECONDS: '30',
    MEDIA_NOTIFICATION_ARN: 'arn:minio:sqs::media:kafka',
    MEDIA_CONCURRENCY: '4',
    MEDIA_MAX_PIXELS: '50000000',
    MEDIA_MAX_BYTES: '52428800',
    MEDIA_JPEG_QUALITY: '90',
    MEDIA_WORK_DIR: '/var/tmp/herald-media',
  });
  t.strictSame(config, {
    auth: {
      keysFile: '/etc/herald/keys.json',
      issuer: 'https://auth.example',
      audience: 'herald-staging',
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 86400,
      adminPassword: 'a-long-admin-password',
    },
    host: '0.0.0.0',
    port: 8080,
    logLevel: 'debug',
    databaseUrl: 'postgresql://herald@db:5432/herald',
    dbPoolMax: 20,
    dataDir: '/var/lib/herald',
    embeddedPostgresPort: 15432,
    kafkaBrokers: ['kafka-1:9092'],
    kafkaClientId: 'herald-api-7',
    topicPrefix: 'staging.',
    topicPartitions: 12,
    eventSource: '/herald/staging',
    bodyLimitBytes: 1048576,
    outbox: { batchSize: 100, sweepIntervalMs: 250, lingerMs: 20, retentionHours: 0.5, retryMaxMs: 5000 },
    shutdownTimeoutMs: 2000,
    inProcessConsumers: false,
    rateLimits: {
      tokenPerAddress: { max: 5, windowMs: 60000 },
      tokenPerHandle: { max: 3, windowMs: 3600000 },
      authenticated: { max: 100, windowMs: 10000 },
      public: { max: 50, windowMs: 60000 },
    },
    corsOrigins: ['https://a.example', 'http://localhost:5173'],
    trustProxy: 1,
    feeds: {
      tables: { followGraph: 'staging-follow-graph', feeds: 'staging-feeds', authorPosts: 'staging-author-posts' },
      celebrityThreshold: 5000,
      batchSize: 2000,
      writeConcurrency: 4,
      taskSpan: 2500,
      taskPartitions: 24,
      backfillPosts: 20,
      feedMaxEntries: 500,
      trimEvery: 1,
      authorPostsMax: 100,
      redisUrl: 'redis://cache:6379/0',
      cacheTtlSeconds: 600,
    },
    mediaWorker: {
      bucket: 'staging-media',
      concurrency: 4,
      maxPixels: 50000000,
      maxBytes: 52428800,
      jpegQuality: 90,
      workDir: '/var/tmp/herald-media',
    },
    media: {
      bucket: 'staging-media',
      publicEndpoint: 'https://media.example',
      uploadExpirySeconds: 7200,
      uploadUrlTtlSeconds: 600,
      imageUrlTtlSeconds: 60,
      sweepIntervalMs: 1000,
      rescanAfterSeconds: 30,
      notificationArn: 'arn:minio:sqs::media:kafka',
    },
    sse: { heartbeatMs: 1000, maxBufferedBytes: 2048, recentEvents: 0, ticketTtlSeconds: 30, maxStreamsPerUser: 3 },
  });
});

t.test('media worker settings out of range are configuration errors naming the variable', async (t) => {
  t.match(configError({ MEDIA_CONCURRENCY: '0' }).message, /MEDIA_CONCURRENCY must be >= 1/);
  t.match(configError({ MEDIA_MAX_PIXELS: '1000' }).message, /MEDIA_MAX_PIXELS must be >= 360000/);
});

t.test('feed settings out of range are configuration errors naming the variable', async (t) => {
  t.match(configError({ FANOUT_BATCH_SIZE: '100' }).message, /FANOUT_BATCH_SIZE must be >= 500 \(got "100"\)/);
  t.match(configError({ FANOUT_BACKFILL_POSTS: '300' }).message, /FANOUT_BACKFILL_POSTS \(300\) is more than AUTHOR_POSTS_MAX \(200\)/);
});

t.test('the admin password is never shown in a configuration error, and must have 12 characters', async (t) => {
  const error = configError({ HERALD_ADMIN_PASSWORD: 'short-pw' });
  t.match(error.message, /HERALD_ADMIN_PASSWORD/);
  t.notMatch(error.message, /short-pw/);
});

t.test('KAFKA_BROKERS is a comma-separated list of brokers', async (t) => {
  t.strictSame(loadConfig({ KAFKA_BROKERS: 'a:9092,b:9092,c:9093' }).kafkaBrokers, ['a:9092', 'b:9092', 'c:9093']);
  t.strictSame(loadConfig({ KAFKA_BROKERS: 'localhost:9092' }).kafkaBrokers, ['localhost:9092']);
  for (const bad of ['a:9092,,b:9092', 'a:9092, b:9092', ',a:9092', 'a:9092,', ' a:9092']) {
    const error = configError({ KAFKA_BROKERS: bad });
    t.match(error.message, `KAFKA_BROKERS`, `${JSON.stringify(bad)} is rejected`);
    t.match(error.message, JSON.stringify(bad), 'with the value it got');
  }
});

t.test('an empty variable counts as unset, so its default applies', async (t) => {
  const config = loadConfig({ PORT: '', KAFKA_BROKERS: '', DATABASE_URL: '', TOPIC_PREFIX: '', LOG_LEVEL: '', HOST: '' });
  t.equal(config.port, 3000);
  t.equal(config.kafkaBrokers, undefined, 'an empty broker list selects the embedded broker');
  t.equal(config.databaseUrl, undefined, 'an empty database URL selects the embedded PostgreSQL');
  t.equal(config.topicPrefix, '');
  t.equal(config.logLevel, 'info');
  t.equal(config.host, '127.0.0.1');
});

// Regression: env-schema merges process.env into the data it is given unless told `env: false`.

t.test('an empty variable in the process environment counts as unset too (`KAFKA_BROKERS= npm start`)', async (t) => {
  process.env.KAFKA_BROKERS = '';
  process.env.PORT = '';
  t.teardown(() => {
    delete process.env.KAFKA_BROKERS;
    delete process.env.PORT;
  });
  const outcome = (() => {
    try {
      return loadConfig(process.env);
    } catch (error) {
      return error as Error;
    }
  })();
  t.notOk(outcome instanceof Error, `loads (${outcome instanceof Error ? outcome.message : 'ok'})`);
});

t.test('only the environment passed to loadConfig is read', async (t) => {
  process.env.PORT = '4321';
  t.teardown(() => {
    delete process.env.PORT;
  });
  t.equal(loadConfig({}).port, 3000, 'PORT of the process is not read');
});

const invalid: Array<[string, string, string]> = [
  ['PORT', '70000', 'must be <= 65535'],
  ['PORT', 'http', 'must be integer'],
  ['PORT', '80.5', 'must be integer'],
  ['LOG_LEVEL', 'loud', 'must be equal to one of the allowed values'],
  ['DB_POOL_MAX', '0', 'must be >= 1'],
  ['DB_POOL_MAX', '201', 'must be <= 200'],
  ['EMBEDDED_POSTGRES_PORT', '0', 'must be >= 1'],
  ['KAFKA_BROKERS', 'a,,b', 'must match pattern'],
  ['TOPIC_PREFIX', 'staging topics', 'must match pattern'],
  ['TOPIC_PARTITIONS', '0', 'must be >= 1'],
  ['BODY_LIMIT_BYTES', '512', 'must be >= 1024'],
  ['BODY_LIMIT_BYTES', '20000000', 'must be <= 10485760'],
  ['OUTBOX_BATCH_SIZE', '0', 'must be >= 1'],
  ['OUTBOX_SWEEP_INTERVAL_MS', '5', 'must be >= 10'],
  ['OUTBOX_LINGER_MS', '1001', 'must be <= 1000'],
  ['OUTBOX_RETENTION_HOURS', '-1', 'must be >= 0'],
  ['OUTBOX_RETENTION_HOURS', 'a day', 'must be number'],
  ['PUBLISH_RETRY_MAX_MS', '50', 'must be >= 100'],
  ['SHUTDOWN_TIMEOUT_MS', '99', 'must be >= 100'],
  ['SSE_HEARTBEAT_MS', '60000', 'must be <= 15000'],
  ['SSE_MAX_BUFFERED_BYTES', '100', 'must be >= 1024'],
  ['SSE_RECENT_EVENTS', '-1', 'must be >= 0'],
];

for (const [name, value, problem] of invalid) {
  t.test(`${name}=${value} is refused with a message naming ${name} and the value it got`, async (t) => {
    const error = configError({ [name]: value });
    t.equal(error.code, 'HERALD_CONFIG_INVALID');
    t.ok(error.message.startsWith(`invalid configuration: ${name} ${problem}`), error.message);
    t.ok(error.message.endsWith(` (got ${JSON.stringify(value)})`), 'with the value it got');
  });
}

t.test('a bad DATABASE_URL is named without echoing it, as it may carry a password', async (t) => {
  const error = configError({ DATABASE_URL: 'mysql://herald:s3cret@db/herald' });
  t.ok(error.message.startsWith('invalid configuration: DATABASE_URL must match pattern'), error.message);
  t.notMatch(error.message, 's3cret');
  t.match(error.message, '(got a value not shown here)');
});

t.test('several bad variables are all named in one error', async (t) => {
  const error = configError({ PORT: 'http', DB_POOL_MAX: '0', LOG_LEVEL: 'loud' });
  t.match(error.message, 'PORT must be integer (got "http")');
  t.match(error.message, 'DB_POOL_MAX must be >= 1 (got "0")');
  t.match(error.message, 'LOG_LEVEL must be equal to one of the allowed values (got "loud")');
});

t.test('variables Herald does not know are ignored', async (t) => {
  t.equal(loadConfig({ HOME: '/root', SOMETHING_ELSE: 'x' }).port, 3000);
});
