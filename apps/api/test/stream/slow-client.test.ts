import t from 'tap';
import { eventually, startTestHerald } from '../helpers/herald.js';
import { openSse, type SseMessage } from '../helpers/sse-client.js';
import { publishLargeEvents, startSlowReader } from './slow-reader.js';

const ids = (messages: SseMessage[]) => messages.filter((m) => m.id).map((m) => m.id!);

t.test('a client that stops reading is cut off with an overflow event and the server lets go of it', async (t) => {
  const herald = await startTestHerald(t, { SSE_MAX_BUFFERED_BYTES: '262144' });
  const slow = await startSlowReader(t, herald);
  const healthy = openSse(`${herald.url}/api/v1/events/stream?types=ProductCreated`, { authorization: `Bearer ${await herald.adminToken()}` });
  t.teardown(() => healthy.close());
  await eventually(async () => herald.eventHub.listenerCount() === 2 && slow.output().includes('connected'));

  const total = 3000;
  await publishLargeEvents(herald, total);

  await eventually(async () => herald.eventHub.listenerCount() === 1, 60_000);
  t.pass('the slow client was detached from the hub');
  await healthy.waitFor((m) => ids(m).length >= total, 60_000);
  t.equal(ids(healthy.messages).length, total, 'a client that keeps up gets everything');

  await slow.readNow();
  t.match(slow.output(), /event: overflow/, 'the slow client is told why it was disconnected');
});
