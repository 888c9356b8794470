import t from 'tap';
import { createKafkaClient } from '../src/kafka/kafka-client.js';

/** Warnings emitted while `arm` runs ('warning' comes on a later tick). */
async function warningsDuring(arm: () => void): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (warning: Error) => seen.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  arm();
  await new Promise((resolve) => setTimeout(resolve, 20));
  process.off('warning', onWarning);
  return seen;
}

// Node prints a TimeoutNegativeWarning once per process, so this file arms the kafkajs-like
// timer first, before anything else here could use up that one warning.
t.test('once a Kafka client exists, the timer kafkajs arms at minus now ms prints no warning; other warnings still do', async (t) => {
  createKafkaClient({ brokers: ['127.0.0.1:9'], clientId: 'warning-test' }, { retries: 0 });

  const kafkajsLike = await warningsDuring(() => clearTimeout(setTimeout(() => {}, -1 - Date.now())));
  t.same(kafkajsLike, [], 'the -now delay is not reported');

  const smallNegative = await warningsDuring(() =>
    process.emitWarning('-5 is a negative number.\nTimeout duration was set to 1.', 'TimeoutNegativeWarning'),
  );
  t.same(smallNegative, ['TimeoutNegativeWarning: -5 is a negative number.\nTimeout duration was set to 1.'], 'a small negative delay is still reported');

  const other = await warningsDuring(() => process.emitWarning(new Error('something else')));
  t.same(other, ['Error: something else'], 'other warnings pass, Error objects too');
});
