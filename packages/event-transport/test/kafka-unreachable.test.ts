import t from 'tap';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createKafkaProducer, createKafkaTransport } from '../src/index.js';
import { message } from './helpers/eventually.js';

// No broker needed: these point the Kafka transport at a port nobody listens on.
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

t.test('a Kafka producer that reaches no broker rejects within seconds, and keeps rejecting', async (t) => {
  const brokers = [`127.0.0.1:${await closedPort()}`];
  const producer = createKafkaProducer({ brokers, clientId: 'herald-test-unreachable' });
  t.teardown(() => producer.disconnect());
  for (const attempt of [1, 2]) {
    const started = Date.now();
    await t.rejects(producer.send([message('some-topic', 'k', 'v')]), { code: 'ERR_TRANSPORT_UNAVAILABLE', name: 'TransportError' });
    const elapsed = Date.now() - started;
    t.ok(elapsed < 15_000, `attempt ${attempt} gave up after ${elapsed} ms, not half a minute`);
  }
});

t.test('Kafka admin calls of an unreachable cluster reject with ERR_TRANSPORT_UNAVAILABLE', async (t) => {
  const transport = createKafkaTransport({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'herald-test-unreachable' });
  t.teardown(() => transport.close());
  await t.rejects(transport.ensureTopics(['some-topic'], 1), { code: 'ERR_TRANSPORT_UNAVAILABLE' });
  await t.rejects(transport.consumerLag('some-group', ['some-topic']), { code: 'ERR_TRANSPORT_UNAVAILABLE' });
});

t.test("kafkajs's own log lines reach the transport logger, its errors as warnings", async (t) => {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const capture =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
  const producer = createKafkaProducer({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'herald-test-logs' }, logger);
  t.teardown(() => producer.disconnect());
  await t.rejects(producer.send([message('some-topic', 'k', 'v')]));

  const fromKafkajs = lines.filter((line) => typeof line.obj.kafkajs === 'string');
  t.ok(fromKafkajs.length > 0, 'kafkajs lines were logged');
  t.ok(fromKafkajs.every((line) => line.msg?.startsWith('kafkajs: ')), 'marked as coming from kafkajs');
  t.ok(
    fromKafkajs.some((line) => line.level === 'warn' && line.obj.kafkajsLevel === 'error'),
    'a kafkajs error arrives as a warning that keeps its original level',
  );
  t.notOk(lines.some((line) => line.level === 'debug' || line.level === 'info'), "nothing below 'warn' by default");
});
