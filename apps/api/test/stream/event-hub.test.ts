import { setTimeout as sleep } from 'node:timers/promises';
import type { HeraldEvent } from '@herald/event-schemas';
import { createEmbeddedBroker } from '@herald/event-transport';
import t from 'tap';
import { createEventHub } from '../../src/stream/event-hub.js';
import { productDeletedEvent } from '../helpers/events.js';
import { eventually } from '../helpers/herald.js';

const TOPIC = 'hub-test.herald.products';


async function startHub(t: { teardown(fn: () => unknown): void }) {
  const broker = createEmbeddedBroker();
  await broker.ensureTopics([TOPIC], 1);
  const warnings: Array<{ offset?: string }> = [];
  const hub = createEventHub({
    transport: broker,
    topics: [TOPIC],
    groupPrefix: 'hub-test.',
    recentCapacity: 10,
    log: { info() {}, warn: (entry: { offset?: string }) => void warnings.push(entry) },
  });
  await hub.start();
  const producer = broker.createProducer();
  await producer.connect();
  t.teardown(async () => {
    await hub.stop();
    await producer.disconnect();
    await broker.close();
  });
  const send = (...values: string[]) => producer.send(values.map((value) => ({ topic: TOPIC, key: 'k', value, headers: {} })));
  return { hub, send, warnings };
}

t.test('with nobody listening, records are kept unchecked, and checked when a client reads the recent ones', async (t) => {
  const { hub, send, warnings } = await startHub(t);
  const first = productDeletedEvent();
  const second = productDeletedEvent();
  await send(JSON.stringify(first), '{"not": "an event"}', JSON.stringify(second));
  await sleep(300);
  t.equal(warnings.length, 0, 'nothing was checked while nobody listened');
  const notResuming = hub.attach(() => {});
  notResuming.detach();
  t.equal(warnings.length, 0, 'nor for a client that does not read the recent events');

  const recent = await eventually(async () => {
    const subscription = hub.attach(() => {});
    subscription.detach();
    return subscription.recent.length === 2 && subscription.recent;
  });
  t.same(recent.map((event) => event.id), [first.id, second.id], 'the valid events, in order');
  t.equal(warnings.length, 1, 'the invalid record is reported');

  const again = hub.attach(() => {});
  again.detach();
  t.same(again.recent.map((event) => event.id), [first.id, second.id]);
  t.equal(warnings.length, 1, 'each record is checked once');
});

t.test('with a client listening, each valid event reaches it as it arrives and invalid ones do not', async (t) => {
  const { hub, send, warnings } = await startHub(t);
  const received: HeraldEvent[] = [];
  const subscription = hub.attach((event) => received.push(event));
  t.teardown(() => subscription.detach());
  const live = productDeletedEvent();
  await send('not json at all', JSON.stringify(live));
  await eventually(async () => received.length === 1);
  t.same(received.map((event) => event.id), [live.id]);
  t.equal(warnings.length, 1, 'the invalid record was reported when it arrived');

  const late = hub.attach(() => {});
  late.detach();
  t.same(late.recent.map((event) => event.id), [live.id], 'a client attaching later gets it from the ring');
  t.equal(warnings.length, 1, 'without checking anything again');
});
