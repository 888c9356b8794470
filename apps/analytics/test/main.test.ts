import t from 'tap';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, topicName } from '@herald/event-schemas';
import { createKafkaTransport } from '@herald/event-transport';
import { createAnalyticsQueries } from '../src/index.js';
import { foldInventory } from './helpers/expected-figures.js';
import { generateHistory } from './helpers/event-history.js';
import { migratedDatabase } from './helpers/test-database.js';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const skip = brokers.length > 0 ? false : 'KAFKA_BROKERS is not set: run with `npm run test:stack` (the process needs a Kafka broker)';
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

t.test('the standalone process consumes from Kafka and stops cleanly on SIGTERM', { skip, timeout: 120_000 }, async (t) => {
  const { url, pool } = await migratedDatabase(t);
  const queries = createAnalyticsQueries(pool);
  const prefix = `main-${randomUUID().slice(0, 8)}.`;
  const topic = topicName('products', prefix);
  const transport = createKafkaTransport({ brokers, clientId: 'analytics-main-test' });
  t.teardown(() => transport.close());
  await transport.ensureTopics([topic, topicName('posts', prefix)], 3);

  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', main], {
    env: { ...process.env, DATABASE_URL: url, KAFKA_BROKERS: brokers.join(','), TOPIC_PREFIX: prefix, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const events = generateHistory({ seed: 41, writes: 60, start: new Date('2025-03-01T10:00:00.000Z') });
  const producer = transport.createProducer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  await producer.send(
    events.map((event) => ({
      topic,
      key: event.subject,
      value: JSON.stringify(event),
      headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE },
    })),
  );
  const expected = foldInventory(events);
  const deadline = Date.now() + 90_000;
  while (!isDeepStrictEqual(await queries.inventory(), expected)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      t.fail(`the process did not catch up; its output:\n${output}`);
      return;
    }
    await sleep(200);
  }
  t.pass('the figures equal the fold of what was published');

  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'exits 0 after SIGTERM');
  t.match(output, /"msg":"stopped"/, 'after stopping the consumer and closing its connections');
});
