import t from 'tap';
import { ANALYTICS_ERROR_CODES } from '../src/index.js';
import { loadConfig } from '../src/config.js';

const required = { DATABASE_URL: 'postgres://herald:herald@db:5432/herald', KAFKA_BROKERS: 'a:9092,b:9092' };

t.test('defaults fill everything but the database and the brokers', async (t) => {
  t.same(loadConfig(required), {
    databaseUrl: required.DATABASE_URL,
    dbPoolMax: 5,
    kafkaBrokers: ['a:9092', 'b:9092'],
    kafkaClientId: 'herald-analytics',
    topicPrefix: '',
    logLevel: 'info',
    shutdownTimeoutMs: 10_000,
  });
  t.equal(loadConfig({ ...required, TOPIC_PREFIX: 'staging.', LOG_LEVEL: '' }).topicPrefix, 'staging.', 'empty strings mean unset');
});

t.test('a bad setting is named, with the value that was given', async (t) => {
  const code = ANALYTICS_ERROR_CODES.config;
  t.throws(() => loadConfig({ KAFKA_BROKERS: 'a:9092' }), { code, message: /DATABASE_URL/ });
  t.throws(() => loadConfig({ DATABASE_URL: required.DATABASE_URL }), { code, message: /KAFKA_BROKERS/ });
  // A connection string may carry a password: named, not shown.
  t.throws(() => loadConfig({ ...required, DATABASE_URL: 'mysql://x' }), { code, message: /DATABASE_URL .*\(got a value not shown here\)/ });
  t.throws(() => loadConfig({ ...required, LOG_LEVEL: 'loud' }), { code, message: /LOG_LEVEL .*"loud"/ });
  t.throws(() => loadConfig({ ...required, TOPIC_PREFIX: 'has space' }), { code, message: /TOPIC_PREFIX/ });
});
