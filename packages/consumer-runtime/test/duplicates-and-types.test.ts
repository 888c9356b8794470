import t from 'tap';
import { sourceTopic, startTestConsumer } from './helpers/consumers.js';
import { eventually, productCreated, productDeleted, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('the same event delivered twice calls the handler once', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const event = productCreated();
    const after = productCreated('after');
    const handled: string[] = [];
    const consumer = await startTestConsumer(t, transport, names, {
      handle: async (e) => {
        handled.push(e.id);
      },
    });
    await send([recordOf(names.topic, event)]);
    await send([recordOf(names.topic, event)]); // published twice, e.g. a relay retry after a lost ack
    await send([recordOf(names.topic, after)]);

    await eventually(() => {
      if (handled.length < 2) throw new Error('not all handled yet');
    });
    t.same(handled, [event.id, after.id], 'the second copy was skipped');
    t.match(consumer.stats(), { handled: 2, duplicatesSkipped: 1 });
  });

  t.test('events of types the consumer does not list are acknowledged without calling the handler', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const deleted = productDeleted();
    const created = productCreated();
    const handled: string[] = [];
    const consumer = await startTestConsumer(t, transport, names, {
      eventTypes: ['ProductCreated'],
      handle: async (event) => {
        handled.push(event.type);
      },
    });
    await send([recordOf(names.topic, deleted), recordOf(names.topic, created)]);

    await eventually(() => {
      if (consumer.stats().handled !== 1) throw new Error('not handled yet');
    });
    t.same(handled, ['ProductCreated']);
    t.match(consumer.stats(), { handled: 1, ignored: 1, deadLettered: 0 });
    const lags = await eventually(async () => {
      const lags = await transport.consumerLag(consumer.group, [names.topic]);
      if (lags[0]?.committedOffset !== '2') throw new Error(`not committed yet: ${JSON.stringify(lags)}`);
      return lags;
    });
    t.equal(lags[0]!.lag, 0, 'the ignored event was acknowledged too');
  });
});
