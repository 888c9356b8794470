import t from 'tap';
import { isFanoutError, loadConfig, loadFeedSettings } from '../src/index.js';

t.test('with nothing set, the feed settings have their documented defaults', async (t) => {
  t.strictSame(loadFeedSettings({}), {
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
  });
});

t.test('the process settings: Kafka, DynamoDB Local credentials, the feed settings', async (t) => {
  const config = loadConfig({ KAFKA_BROKERS: 'a:9092,b:9092', DYNAMODB_ENDPOINT: 'http://localhost:8000', FANOUT_BATCH_SIZE: '5000', TOPIC_PREFIX: 'staging.' });
  t.same(config.kafkaBrokers, ['a:9092', 'b:9092']);
  t.same(config.dynamodb, { endpoint: 'http://localhost:8000', region: 'us-east-1', credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' } });
  t.equal(config.feeds.batchSize, 5000);
  t.equal(config.topicPrefix, 'staging.');
  t.equal(loadConfig({ REDIS_URL: 'redis://cache:6379/0' }).feeds.redisUrl, 'redis://cache:6379/0');
  t.equal(loadConfig({ DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com' }).dynamodb.credentials, undefined, 'AWS: the SDK credential chain');
});

t.test('settings out of range are refused, naming the variable and the value', async (t) => {
  for (const [env, message] of [
    [{ FANOUT_BATCH_SIZE: '499' }, /FANOUT_BATCH_SIZE must be >= 500 \(got "499"\)/],
    [{ FANOUT_BATCH_SIZE: '5001' }, /FANOUT_BATCH_SIZE must be <= 5000/],
    [{ FANOUT_CELEBRITY_THRESHOLD: '0' }, /FANOUT_CELEBRITY_THRESHOLD must be >= 1/],
    [{ FEED_MAX_ENTRIES: 'many' }, /FEED_MAX_ENTRIES must be integer/],
    [{ FANOUT_BACKFILL_POSTS: '300' }, /FANOUT_BACKFILL_POSTS \(300\) is more than AUTHOR_POSTS_MAX \(200\)/],
    [{ DYNAMODB_ACCESS_KEY_ID: 'x' }, /set together or not at all/],
    [{ REDIS_URL: 'http://cache:6379' }, /REDIS_URL must match pattern/],
    [{ FANOUT_TASK_SPAN: '100' }, /FANOUT_TASK_SPAN must be >= 500/],
    [{ FEED_CACHE_TTL_SECONDS: '1' }, /FEED_CACHE_TTL_SECONDS must be >= 10/],
  ] as const) {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    t.ok(isFanoutError(caught, 'HERALD_FANOUT_CONFIG_INVALID'), `${JSON.stringify(env)} is refused`);
    t.match((caught as Error).message, message);
  }
});
