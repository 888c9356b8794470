import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafkaProducer, createKafkaTransport, type EventProducer, type KafkaTransport } from '../src/index.js';
import { createCollector, message } from './helpers/eventually.js';
import { uniqueNames } from './helpers/transports.js';

/**
 * A broker that stalls (SIGSTOP: a long GC pause, a frozen VM) and then resumes stores the
 * request the producer had given up on. These tests guard what happens to the next send:
 * kafkajs alone rolls its sequence numbers back, so a different next batch reuses them and the
 * broker drops it as a "duplicate" while acknowledging it — a silent loss.
 */
interface StackKafka {
  brokers: string;
  dataDir: string;
  stop(): Promise<void>;
}
const stackModule = '@herald/stack';
const skip =
  process.env.HERALD_TEST_STACK !== '1'
    ? 'HERALD_TEST_STACK=1 is not set (this test starts and freezes a Kafka broker of its own)'
    : process.platform !== 'linux'
      ? 'freezing the broker relies on ps and signals as on Linux'
      : false;

/** The broker's JVM, found by the data directory on its command line. */
function javaPidOf(broker: StackKafka): number {
  const table = execFileSync('ps', ['-eo', 'pid=,comm=,args='], { encoding: 'utf8' });
  const line = table.split('\n').find((row) => row.trim().split(/\s+/)[1] === 'java' && row.includes(broker.dataDir));
  if (!line) throw new Error(`no java process for ${broker.dataDir}`);
  return Number(line.trim().split(/\s+/)[0]);
}

t.test('after a send whose acknowledgement was lost', { skip, timeout: 240_000 }, async (t) => {
  const { startKafka } = (await import(stackModule)) as { startKafka(): Promise<StackKafka> };
  const broker = await startKafka();
  t.teardown(() => broker.stop());
  const pid = javaPidOf(broker);
  const brokers = broker.brokers.split(',');
  const transport: KafkaTransport = createKafkaTransport({ brokers, clientId: `herald-lost-ack-${randomUUID().slice(0, 8)}` });
  t.teardown(() => transport.close());

  async function loseAnAcknowledgement(t: Test, producer: EventProducer, topic: string): Promise<void> {
    await producer.send([message(topic, 'k', 'first')]);
    process.kill(pid, 'SIGSTOP');
    t.teardown(() => process.kill(pid, 'SIGCONT'));
    await t.rejects(producer.send([message(topic, 'k', 'stalled')]), { code: 'ERR_TRANSPORT_UNAVAILABLE' });
    process.kill(pid, 'SIGCONT');
    await sleep(500); // the broker now stores the request it had received before freezing
  }

  async function topicContent(topic: string, expected: number): Promise<string[]> {
    const collector = createCollector();
    const consumer = transport.createConsumer({ groupId: `group-${randomUUID()}`, topics: [topic] });
    await consumer.run(collector.handler);
    await collector.waitForCount(expected);
    await sleep(500);
    await consumer.stop();
    return collector.records.map((record) => record.value);
  }

  t.test('a different next batch is stored, not dropped as a duplicate', async (t) => {
    const { topic } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = createKafkaProducer({ brokers, clientId: 'herald-lost-ack', requestTimeoutMs: 2000 });
    t.teardown(() => producer.disconnect());
    await loseAnAcknowledgement(t, producer, topic);
    await producer.send([message(topic, 'k', 'next')]);
    t.same(await topicContent(topic, 3), ['first', 'stalled', 'next']);
  });

  t.test('retrying the identical batch stores it once', async (t) => {
    const { topic } = uniqueNames();
    await transport.ensureTopics([topic], 1);
    const producer = createKafkaProducer({ brokers, clientId: 'herald-lost-ack', requestTimeoutMs: 2000 });
    t.teardown(() => producer.disconnect());
    await loseAnAcknowledgement(t, producer, topic);
    await producer.send([message(topic, 'k', 'stalled')]);
    t.same(await topicContent(topic, 2), ['first', 'stalled']);
  });
});
