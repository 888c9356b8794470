import t from 'tap';
import { sourceTopic, startTestConsumer } from './helpers/consumers.js';
import { eventually, productCreated, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('a new group with fromBeginning false only handles what is published after it started', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const old = productCreated('old');
    const fresh = productCreated('fresh');
    await send([recordOf(names.topic, old)]);
    const handled: string[] = [];
    const consumer = await startTestConsumer(t, transport, names, {
      fromBeginning: false,
      handle: async (event) => {
        handled.push(event.id);
      },
    });
    await send([recordOf(names.topic, fresh)]);
    await eventually(() => {
      if (consumer.stats().handled !== 1) throw new Error('not handled yet');
    });
    t.same(handled, [fresh.id]);
  });
});
