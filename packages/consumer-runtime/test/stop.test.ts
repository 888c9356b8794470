import t from 'tap';
import { startConsumer } from '../src/index.js';
import { sourceTopic } from './helpers/consumers.js';
import { DependencyDown, eventually, isDependencyDown, productCreated, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport, transportName) => {
  t.test(
    'stop() during a transient-retry loop returns promptly and the event is redelivered to the next consumer of the group',
    async (t) => {
      const names = uniqueNames();
      const send = await sourceTopic(t, transport, names);
      const event = productCreated();
      const definition = { name: names.name, topics: [names.topic], isTransient: isDependencyDown };
      // A long backoff: stop() must cut the wait short rather than sit it out.
      const options = { transport, prefix: names.prefix, initialBackoffMs: 60_000, maxBackoffMs: 60_000 };

      let signalSeen: AbortSignal | undefined;
      const first = await startConsumer(
        {
          ...definition,
          handle: async (_event, { signal }) => {
            signalSeen = signal;
            throw new DependencyDown('database unreachable');
          },
        },
        options,
      );
      t.teardown(() => first.stop());
      await send([recordOf(names.topic, event)]);
      await eventually(() => {
        if (first.stats().retries < 1) throw new Error('not retrying yet');
      });

      const startedAt = Date.now();
      await first.stop();
      const elapsed = Date.now() - startedAt;
      t.ok(
        elapsed < (transportName === 'kafka' ? 10_000 : 1_000),
        `stop() took ${elapsed} ms, not the 30-60 s backoff`,
      );
      t.equal(signalSeen?.aborted, true, "the handler's signal was aborted");
      t.match(first.stats(), { handled: 0, deadLettered: 0 });

      const handled: string[] = [];
      const second = await startConsumer(
        {
          ...definition,
          handle: async (e) => {
            handled.push(e.id);
          },
        },
        { ...options, initialBackoffMs: 5, maxBackoffMs: 40 },
      );
      t.teardown(() => second.stop());
      await eventually(() => {
        if (handled.length === 0) throw new Error('not redelivered yet');
      });
      t.same(handled, [event.id], 'the uncommitted event came again');
    },
  );

  t.test('stop() waits for the handler in flight and commits its record', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const consumer = await startConsumer(
      {
        name: names.name,
        topics: [names.topic],
        handle: async () => {
          started = true;
          await released; // ignores the signal: a short write that finishes anyway
        },
      },
      { transport, prefix: names.prefix },
    );
    t.teardown(() => consumer.stop());
    await send([recordOf(names.topic, productCreated())]);
    await eventually(() => {
      if (!started) throw new Error('handler not started yet');
    });
    let stopped = false;
    const stopping = consumer.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.notOk(stopped, 'stop() waits for the handler');
    release();
    await stopping;
    t.equal(consumer.stats().handled, 1);
    const [lag] = await transport.consumerLag(consumer.group, [names.topic]);
    t.equal(lag!.committedOffset, '1', 'the handled record was committed on the way out');
  });
});
