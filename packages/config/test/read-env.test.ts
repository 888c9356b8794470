import t from 'tap';
import { readEnv } from '../src/index.js';

/** Settings are read from the given environment only, and a bad one is named without showing a secret. */

const schema = {
  type: 'object',
  properties: {
    PORT: { type: 'integer', maximum: 65535, default: 3000 },
    DATABASE_URL: { type: 'string', pattern: '^postgres://' },
    S3_SECRET_KEY: { type: 'string', minLength: 8 },
  },
} as const;
const fail = (message: string) => new Error(message);

t.test('defaults apply, numbers are coerced, and empty strings mean unset', async (t) => {
  t.same(readEnv(schema, { PORT: '8080', DATABASE_URL: '' }, fail), { PORT: 8080 });
  t.same(readEnv(schema, {}, fail), { PORT: 3000 });
});

t.test('process.env is never read behind the caller\'s back', async (t) => {
  process.env.PORT = '1234';
  t.teardown(() => delete process.env.PORT);
  t.same(readEnv(schema, {}, fail), { PORT: 3000 });
});

t.test('a bad value is named with what was given; a secret-bearing one is named but not shown', async (t) => {
  t.throws(() => readEnv(schema, { PORT: '70000' }, fail), { message: 'invalid configuration: PORT must be <= 65535 (got "70000")' });
  const error = (() => {
    try {
      readEnv(schema, { DATABASE_URL: 'mysql://user:hunter2@db', S3_SECRET_KEY: 'short' }, fail);
    } catch (caught) {
      return caught as Error;
    }
    throw new Error('accepted');
  })();
  t.match(error.message, /DATABASE_URL must match pattern/);
  t.match(error.message, /S3_SECRET_KEY must NOT have fewer than 8 characters/);
  t.notMatch(error.message, /hunter2|short"/);
});
