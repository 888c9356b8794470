import type { HeraldEvent } from '@herald/event-schemas';
import t, { type Test } from 'tap';
import { DEAD_LETTER_HEADERS, startConsumer, type BatchContext, type ConsumerDefinition, type RunningConsumer } from '../src/index.js';
import { batchTransportDouble, type BatchTransportDouble } from './helpers/batch-transport.js';
import { sourceTopic, startTestConsumer } from './helpers/consumers.js';
import { DependencyDown, eventually, isDependencyDown, productCreated, productDeleted, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

interface BatchCall {
  ids: string[];
  offsets: string[];
  attempt: number;
}

/** A consumer on the double with fast backoffs; stopped after the test. */
async function startOnDouble(
  t: Test,
  definition: Partial<ConsumerDefinition>,
  options: { maxAttempts?: number; maxBatchSize?: number } = {},
): Promise<{ double: BatchTransportDouble; consumer: RunningConsumer }> {
  const double = batchTransportDouble();
  const consumer = await startConsumer(
    { name: 'batching', topics: ['products'], handle: async () => {}, ...definition },
    { transport: double.transport, initialBackoffMs: 2, maxBackoffMs: 10, ...options },
  );
  t.teardown(() => consumer.stop());
  return { double, consumer };
}

/** A handleBatch that records its calls and otherwise does what `then` says. */
function recordingBatchHandler(then: (call: BatchCall, events: HeraldEvent[], context: BatchContext) => Promise<void> = async () => {}) {
  const calls: BatchCall[] = [];
  const handleBatch = async (events: HeraldEvent[], context: BatchContext) => {
    const call = { ids: events.map((event) => event.id), offsets: context.records.map((record) => record.offset), attempt: context.attempt };
    calls.push(call);
    await then(call, events, context);
  };
  return { calls, handleBatch };
}

t.test(
  'a batch reaches handleBatch in one call, in partition order, without its invalid, ignored or already handled records',
  async (t) => {
    const { calls, handleBatch } = recordingBatchHandler();
    const handled: string[] = [];
    const { double, consumer } = await startOnDouble(t, {
      eventTypes: ['ProductCreated'],
      handleBatch,
      handle: async (event) => {
        handled.push(event.id);
      },
    });
    const [a, b, c] = [productCreated('a'), productCreated('b'), productCreated('c')];
    const breaksSchema = { ...b, id: productCreated().id, data: { product: { ...b.data.product, stock: -1 } } };
    const batch = double.records([a, '{not json', productDeleted(), b, JSON.stringify(breaksSchema), a]);

    t.equal(await double.deliver(batch), 6, 'the whole batch is reported handled');
    t.same(calls, [{ ids: [a.id, b.id], offsets: ['0', '3'], attempt: 1 }], 'one call: a and b, with their records');
    t.same(handled, [], 'handle is not called');
    t.same(
      double.deadLetters.map((letter) => letter.headers[DEAD_LETTER_HEADERS.sourceOffset]),
      ['1', '4'],
      'both invalid records dead-lettered, in order',
    );
    t.same(consumer.stats(), {
      handled: 2,
      duplicatesSkipped: 1,
      ignored: 1,
      retries: 0,
      deadLettered: 2,
      batches: 1,
      lastError: consumer.stats().lastError,
    });

    // Redelivered, overlapping a new record: only the new event reaches the handler.
    const next = double.records([c]);
    t.equal(await double.deliver([batch[3]!, ...next]), 2);
    t.same(calls[1], { ids: [c.id], offsets: [next[0]!.offset], attempt: 1 }, 'the event handled before is skipped');
    t.match(consumer.stats(), { handled: 3, duplicatesSkipped: 2, batches: 2 });

    // Nothing left to handle: no call at all.
    t.equal(await double.deliver([batch[0]!, batch[2]!]), 2);
    t.equal(calls.length, 2, 'handleBatch is not called for a batch with nothing to handle');
  },
);

t.test('a transient failure retries the whole batch, past maxAttempts and without dead-lettering, until it succeeds', async (t) => {
  let failuresLeft = 6;
  const { calls, handleBatch } = recordingBatchHandler(async () => {
    if (failuresLeft-- > 0) throw new DependencyDown('table unreachable');
  });
  const single: string[] = [];
  const { double, consumer } = await startOnDouble(
    t,
    {
      isTransient: isDependencyDown,
      handleBatch,
      handle: async (event) => {
        single.push(event.id);
      },
    },
    { maxAttempts: 2 },
  );
  const events = [productCreated(), productCreated(), productCreated()];
  let settled = false;
  const delivery = double.deliver(double.records(events)).finally(() => {
    settled = true;
  });
  await eventually(() => {
    if (consumer.stats().retries < 3) throw new Error('not retrying yet');
  });
  t.notOk(settled, 'nothing is reported handled (so nothing committed) while the dependency is down');
  t.equal(await delivery, 3, 'then the whole batch is');
  t.same(
    calls.map((call) => call.attempt),
    [1, 2, 3, 4, 5, 6, 7],
    'the same batch, tried again and again',
  );
  t.ok(
    calls.every((call) => JSON.stringify(call.ids) === JSON.stringify(events.map((event) => event.id))),
    'every try with all the events, in order',
  );
  t.same(single, [], 'never split up for a dependency outage');
  t.match(consumer.stats(), { handled: 3, retries: 6, deadLettered: 0, batches: 1, lastError: 'table unreachable' });
  t.same(double.deadLetters, []);
});

t.test(
  'a failure that is not transient falls back to handle, event by event: the poisonous event is dead-lettered and the others are handled in order',
  async (t) => {
    const good1 = productCreated('good 1');
    const poison = productCreated('poison');
    const good2 = productCreated('good 2');
    const { calls, handleBatch } = recordingBatchHandler(async () => {
      throw new Error('constraint violated somewhere in the batch');
    });
    const tries: string[] = [];
    const { double, consumer } = await startOnDouble(
      t,
      {
        isTransient: isDependencyDown,
        handleBatch,
        handle: async (event, { attempt }) => {
          tries.push(`${'product' in event.data ? event.data.product.name : event.id}#${attempt}`);
          if (event.id === poison.id) throw new Error('price list is corrupt');
        },
      },
      { maxAttempts: 2 },
    );
    const records = double.records([good1, poison, good2]);

    t.equal(await double.deliver(records), 3, 'the whole batch is done');
    t.equal(calls.length, 1, 'the batch handler was tried once');
    t.same(tries, ['good 1#1', 'poison#1', 'poison#2', 'good 2#1'], 'then each event on its own, in order');
    t.equal(double.deadLetters.length, 1, 'one dead letter');
    t.match(double.deadLetters[0], {
      value: JSON.stringify(poison),
      headers: { [DEAD_LETTER_HEADERS.reason]: 'price list is corrupt', [DEAD_LETTER_HEADERS.attempts]: '2', [DEAD_LETTER_HEADERS.sourceOffset]: '1' },
    });
    t.match(consumer.stats(), { handled: 2, deadLettered: 1, retries: 1, batches: 0 });

    // The events handled one by one are remembered like any others.
    t.equal(await double.deliver(records.slice(0, 1)), 1);
    t.equal(calls.length, 1, 'a redelivery of a handled event reaches no handler');
  },
);

t.test('a consumer without handleBatch gets each event of a batch through handle, in order', async (t) => {
  const handled: string[] = [];
  const { double, consumer } = await startOnDouble(t, {
    handle: async (event) => {
      handled.push(event.id);
    },
  });
  const events = [productCreated(), productDeleted(), productCreated()];
  t.equal(await double.deliver(double.records([...events, events[0]!])), 4);
  t.same(handled, events.map((event) => event.id));
  t.match(consumer.stats(), { handled: 3, duplicatesSkipped: 1, batches: 0 });
});

t.test('stop() during a batch: the records before the first one not handled are reported, the rest will come again', async (t) => {
  await t.test('while the batch is retried for a transient failure', async (t) => {
    let signal: AbortSignal | undefined;
    const { double, consumer } = await startOnDouble(t, {
      eventTypes: ['ProductCreated'],
      isTransient: isDependencyDown,
      handleBatch: async (_events, context) => {
        signal = context.signal;
        throw new DependencyDown('down');
      },
    });
    const batch = double.records([productDeleted(), '{not json', productCreated(), productDeleted(), '[]']);
    const delivery = double.deliver(batch);
    await eventually(() => {
      if (consumer.stats().retries < 1) throw new Error('not retrying yet');
    });
    await consumer.stop();
    t.equal(await delivery, 2, 'the ignored and the dead-lettered record, not the first pending event nor what follows');
    t.equal(signal?.aborted, true, "the batch handler's signal was aborted");
    t.match(consumer.stats(), { handled: 0, batches: 0 });
  });

  await t.test('while the events are handled one by one after a failed batch', async (t) => {
    const [first, stuck, last] = [productCreated(), productCreated(), productCreated()];
    const handled: string[] = [];
    const { double, consumer } = await startOnDouble(t, {
      isTransient: isDependencyDown,
      handleBatch: async () => {
        throw new Error('bad batch');
      },
      handle: async (event) => {
        if (event.id === stuck.id) throw new DependencyDown('down');
        handled.push(event.id);
      },
    });
    const delivery = double.deliver(double.records([first, stuck, last]));
    await eventually(() => {
      if (consumer.stats().retries < 2) throw new Error('not retrying yet');
    });
    await consumer.stop();
    t.equal(await delivery, 1, 'only the first record');
    t.same(handled, [first.id]);
  });

  await t.test('a batch arriving after the stop began is handed back untouched', async (t) => {
    const { calls, handleBatch } = recordingBatchHandler();
    const { double, consumer } = await startOnDouble(t, { handleBatch });
    await consumer.stop();
    t.equal(await double.deliver(double.records([productCreated()])), 0);
    t.same(calls, []);
  });
});

t.test('maxBatchSize is passed to the transport; left out, the transport chooses', async (t) => {
  const sized = await startOnDouble(t, {}, { maxBatchSize: 50 });
  t.same(sized.double.batchOptions, { maxBatchSize: 50 });
  const unsized = await startOnDouble(t, {});
  t.same(unsized.double.batchOptions, {});
});

onEachTransport(t, async (t, transport) => {
  t.test('events published in bulk reach handleBatch a batch at a time, each once, in order per key', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names, 3);
    const seen: Array<{ partition: number; ids: string[]; records: number }> = [];
    const consumer = await startTestConsumer(t, transport, names, {
      handle: async () => {
        throw new Error('every event should go through handleBatch');
      },
      handleBatch: async (events, { partition, records }) => {
        seen.push({ partition, ids: events.map((event) => event.id), records: records.length });
      },
    });
    const keys = Array.from({ length: 12 }, (_, i) => `product-${i}`);
    const published = Array.from({ length: 600 }, (_, i) => ({ key: keys[i % keys.length]!, event: productCreated(`n${i}`) }));
    for (let i = 0; i < published.length; i += 100) {
      await send(published.slice(i, i + 100).map(({ key, event }) => recordOf(names.topic, event, key)));
    }
    await eventually(() => {
      if (consumer.stats().handled < published.length) throw new Error(`${consumer.stats().handled} handled so far`);
    });

    const all = seen.flatMap((call) => call.ids);
    t.equal(all.length, published.length, 'no event handled twice');
    t.equal(new Set(all).size, published.length, 'every event handled');
    const position = new Map(all.map((id, index) => [id, index]));
    for (const key of keys) {
      const order = published.filter((item) => item.key === key).map((item) => position.get(item.event.id)!);
      t.ok(order.every((at, i) => i === 0 || at > order[i - 1]!), `${key}: in publish order`);
    }
    t.ok(seen.every((call) => call.records === call.ids.length), 'each event with its record');
    t.ok(Math.max(...seen.map((call) => call.ids.length)) > 1, 'events arrive several at a time');
    t.equal(consumer.stats().batches, seen.length, 'each call counted as a batch');
    const lags = await eventually(async () => {
      const lags = await transport.consumerLag(consumer.group, [names.topic]);
      if (lags.some((lag) => lag.lag > 0)) throw new Error(`not all committed yet: ${JSON.stringify(lags)}`);
      return lags;
    });
    t.equal(lags.length, 3, 'all three partitions committed to their end');
  });
});
