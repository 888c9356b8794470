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
