import t from 'tap';
import { createEmbeddedBroker } from '@herald/event-transport';
import { listDeadLetters } from '../src/index.js';
import { sourceTopic, startTestConsumer } from './helpers/consumers.js';
import { DependencyDown, eventually, isDependencyDown, productCreated, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test('a handler that fails twice then succeeds handles the event once, with the retries counted', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const attempts: number[] = [];
    let failuresLeft = 2;
    const consumer = await startTestConsumer(t, transport, names, {
      handle: async (_event, { attempt }) => {
        attempts.push(attempt);
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error(`flaky ${failuresLeft}`);
        }
      },
    });
    await send([recordOf(names.topic, productCreated())]);

    await eventually(() => {
      if (consumer.stats().handled !== 1) throw new Error('not handled yet');
    });
    t.same(attempts, [1, 2, 3], 'the third try succeeded, and the context said which try it was');
    t.same(consumer.stats(), {
      handled: 1,
      duplicatesSkipped: 0,
      ignored: 0,
      retries: 2,
      deadLettered: 0,
      batches: 0,
      lastError: 'flaky 0',
    });
  });

  t.test(
    'a transient error is retried past maxAttempts, never dead-lettered, and the event is handled once the dependency is back',
    async (t) => {
      const names = uniqueNames();
      const send = await sourceTopic(t, transport, names);
      let dependencyUp = false;
      const handled: string[] = [];
      const consumer = await startTestConsumer(
        t,
        transport,
        names,
        {
          isTransient: isDependencyDown,
          handle: async (event) => {
            if (!dependencyUp) throw new DependencyDown('inventory store unreachable');
            handled.push(event.id);
          },
        },
        { maxAttempts: 2 },
      );
      const event = productCreated();
      await send([recordOf(names.topic, event)]);

      await eventually(() => {
        if (consumer.stats().retries < 6) throw new Error('not enough retries yet');
      });
      t.match(
        consumer.stats(),
        { handled: 0, deadLettered: 0, lastError: 'inventory store unreachable' },
        'three times maxAttempts and still not dead-lettered',
      );

      dependencyUp = true;
      await eventually(() => {
        if (consumer.stats().handled !== 1) throw new Error('not handled yet');
      });
      t.same(handled, [event.id]);
      t.equal(consumer.stats().deadLettered, 0);
      t.same(
        await listDeadLetters(transport, { name: names.name, prefix: names.prefix }),
        [],
        'nothing in the dead-letter topic',
      );
    },
  );

  t.test('non-transient failures count towards maxAttempts even when transient ones came between them', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const outcomes = [new DependencyDown('down'), new Error('bad'), new DependencyDown('down'), new Error('bad')];
    let tries = 0;
    const consumer = await startTestConsumer(
      t,
      transport,
      names,
      {
        isTransient: isDependencyDown,
        handle: async () => {
          throw outcomes[tries++] ?? new Error('unexpected try');
        },
      },
      { maxAttempts: 2 },
    );
    await send([recordOf(names.topic, productCreated())]);
    await eventually(() => {
      if (consumer.stats().deadLettered !== 1) throw new Error('not dead-lettered yet');
    });
    t.equal(tries, 4, 'two transient and two other failures');
    const [deadLetter] = await listDeadLetters(transport, { name: names.name, prefix: names.prefix });
    t.match(deadLetter, { reason: 'bad', attempts: 4 });
  });
});

t.test('a dead letter the broker does not acknowledge is retried, and the record waits for it', async (t) => {
  const broker = createEmbeddedBroker();
  t.teardown(() => broker.close());
  const names = uniqueNames();
  const send = await sourceTopic(t, broker, names);
  const consumer = await startTestConsumer(
    t,
    broker,
    names,
    {
      handle: async () => {
        broker.setAvailable(false); // the broker goes away just as the event fails for good
        throw new Error('cannot handle');
      },
    },
    { maxAttempts: 1 },
  );
  await send([recordOf(names.topic, productCreated())]);

  await eventually(() => {
    if (!/dead letter not acknowledged/.test(consumer.stats().lastError ?? ''))
      throw new Error('no failed dead letter yet');
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(consumer.stats().deadLettered, 0, 'not counted while unacknowledged');

  broker.setAvailable(true);
  await eventually(() => {
    if (consumer.stats().deadLettered !== 1) throw new Error('not dead-lettered yet');
  });
  const [lag] = await eventually(async () => {
    const lags = await broker.consumerLag(consumer.group, [names.topic]);
    if (lags[0]?.committedOffset !== '1') throw new Error(`not committed yet: ${JSON.stringify(lags)}`);
    return lags;
  });
  t.equal(lag!.committedOffset, '1', 'the record is acknowledged once its dead letter is');
  t.equal(
    (await listDeadLetters(broker, { name: names.name, prefix: names.prefix })).length,
    1,
    'exactly one dead letter',
  );
});
