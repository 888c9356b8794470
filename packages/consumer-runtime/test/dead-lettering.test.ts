import t from 'tap';
import { DEAD_LETTER_HEADERS, deadLetterTopic, listDeadLetters } from '../src/index.js';
import { sourceTopic, startTestConsumer } from './helpers/consumers.js';
import { eventually, productCreated, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

onEachTransport(t, async (t, transport) => {
  t.test(
    'a poison record lands in the dead-letter topic with its reason and the events behind it are still handled',
    async (t) => {
      const names = uniqueNames();
      const send = await sourceTopic(t, transport, names);
      const handled: string[] = [];
      const consumer = await startTestConsumer(t, transport, names, {
        handle: async (event) => {
          handled.push(event.id);
        },
      });
      t.equal(consumer.deadLetterTopic, deadLetterTopic(names.name, names.prefix));
      t.equal(consumer.group, `${names.prefix}${names.name}`);

      const valid = productCreated();
      const schemaBreaker = { ...valid, data: { product: { ...valid.data.product, stock: -1 } } };
      const good = productCreated();
      await send([
        { topic: names.topic, key: 'ordered', value: '{not json', headers: { origin: 'somewhere' } },
        {
          topic: names.topic,
          key: 'ordered',
          value: JSON.stringify(schemaBreaker),
          headers: { ce_id: schemaBreaker.id },
        },
        recordOf(names.topic, good),
      ]);

      await eventually(() => {
        if (consumer.stats().handled !== 1) throw new Error('the valid event was not handled yet');
      });
      t.match(consumer.stats(), { handled: 1, deadLettered: 2, retries: 0 }, 'one handled, two dead-lettered');
      t.same(handled, [good.id], 'the handler only ever saw the valid event');

      const deadLetters = await listDeadLetters(transport, { name: names.name, prefix: names.prefix });
      t.equal(deadLetters.length, 2, 'both poison records are in the dead-letter topic');
      const [notJson, invalid] = deadLetters;
      t.match(notJson, {
        offset: '0',
        eventId: null,
        reason: /^invalid event: \/ not JSON/,
        attempts: 0,
        source: { topic: names.topic, partition: 0, offset: '0' },
        value: '{not json',
        key: 'ordered',
        headers: { origin: 'somewhere' },
        redriven: false,
      });
      t.notOk(
        Object.keys(notJson!.headers).some((name) => name.startsWith('herald-dead-letter')),
        'listed headers are the original ones',
      );
      t.match(invalid, {
        offset: '1',
        eventId: schemaBreaker.id,
        eventType: 'ProductCreated',
        reason: /\/data\/product\/stock must be >= 0/,
        attempts: 0,
        source: { topic: names.topic, partition: 0, offset: '1' },
        headers: { ce_id: schemaBreaker.id },
      });
      t.ok(Date.parse(invalid!.deadLetteredAt) > 0, 'dead-lettered at a real time');
    },
  );

  t.test(
    'a handler that always fails dead-letters the event after maxAttempts and the next event is handled',
    async (t) => {
      const names = uniqueNames();
      const send = await sourceTopic(t, transport, names);
      const doomed = productCreated('doomed');
      const next = productCreated('next');
      const calls: Array<{ id: string; attempt: number }> = [];
      const consumer = await startTestConsumer(
        t,
        transport,
        names,
        {
          handle: async (event, { attempt }) => {
            calls.push({ id: event.id, attempt });
            if (event.id === doomed.id) throw new Error('price list is corrupt');
          },
        },
        { maxAttempts: 3 },
      );
      await send([recordOf(names.topic, doomed), recordOf(names.topic, next)]);

      await eventually(() => {
        if (consumer.stats().handled !== 1) throw new Error('next event not handled yet');
      });
      t.same(
        calls,
        [
          { id: doomed.id, attempt: 1 },
          { id: doomed.id, attempt: 2 },
          { id: doomed.id, attempt: 3 },
          { id: next.id, attempt: 1 },
        ],
        'three tries of the failing event, then the next event',
      );
      t.match(consumer.stats(), { handled: 1, retries: 2, deadLettered: 1, lastError: 'price list is corrupt' });

      const [deadLetter, ...others] = await listDeadLetters(transport, { name: names.name, prefix: names.prefix });
      t.same(others, [], 'one dead letter');
      t.match(deadLetter, {
        eventId: doomed.id,
        reason: 'price list is corrupt',
        attempts: 3,
        source: { topic: names.topic, partition: 0, offset: '0' },
        value: JSON.stringify(doomed),
        redriven: false,
      });
    },
  );

  t.test('a dead letter keeps the original key, value and headers and adds the dead-letter headers', async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const event = productCreated();
    const consumer = await startTestConsumer(
      t,
      transport,
      names,
      {
        handle: async () => {
          throw new Error('nope');
        },
      },
      { maxAttempts: 1 },
    );
    await send([recordOf(names.topic, event, event.subject as string)]);
    await eventually(() => {
      if (consumer.stats().deadLettered !== 1) throw new Error('not dead-lettered yet');
    });

    // Read the raw record, as any other Kafka tool would see it.
    const seen: Array<{ key: string | null; value: string; headers: Record<string, string> }> = [];
    const reader = transport.createConsumer({
      groupId: `${names.prefix}raw-reader`,
      topics: [consumer.deadLetterTopic],
    });
    t.teardown(() => reader.stop());
    await reader.run(async (record) => {
      seen.push(record);
    });
    await eventually(() => {
      if (seen.length === 0) throw new Error('no dead letter read yet');
    });
    const [record] = seen;
    t.equal(record!.key, event.subject);
    t.equal(record!.value, JSON.stringify(event));
    t.match(record!.headers, {
      ce_id: event.id,
      ce_type: 'ProductCreated',
      [DEAD_LETTER_HEADERS.reason]: 'nope',
      [DEAD_LETTER_HEADERS.group]: consumer.group,
      [DEAD_LETTER_HEADERS.attempts]: '1',
      [DEAD_LETTER_HEADERS.at]: /^\d{4}-\d\d-\d\dT/,
      [DEAD_LETTER_HEADERS.sourceTopic]: names.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: '0',
      [DEAD_LETTER_HEADERS.sourceOffset]: '0',
    });
  });
});
