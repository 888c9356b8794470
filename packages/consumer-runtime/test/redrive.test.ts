import t from 'tap';
import type { Test } from 'tap';
import type { EventTransport } from '@herald/event-transport';
import {
  deadLetterTopic,
  listDeadLetters,
  redriveDeadLetters,
  type DeadLetter,
  type RunningConsumer,
} from '../src/index.js';
import { sourceTopic, startTestConsumer } from './helpers/consumers.js';
import { eventually, productCreated, recordOf } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

type Names = ReturnType<typeof uniqueNames>;

/** Dead-letters every event sent (maxAttempts 1) and returns the events' ids, in order. */
async function deadLetterEvents(
  t: Test,
  transport: EventTransport,
  names: Names,
  count: number,
  poison: string[] = [],
): Promise<string[]> {
  const send = await sourceTopic(t, transport, names);
  const consumer: RunningConsumer = await startTestConsumer(
    t,
    transport,
    names,
    {
      handle: async () => {
        throw new Error('recipient service rejected the event');
      },
    },
    { maxAttempts: 1 },
  );
  const events = Array.from({ length: count }, (_, n) => productCreated(`product ${n}`));
  await send([
    ...poison.map((value) => ({ topic: names.topic, key: 'ordered', value, headers: {} })),
    ...events.map((event) => recordOf(names.topic, event)),
  ]);
  await eventually(() => {
    if (consumer.stats().deadLettered !== count + poison.length) throw new Error('not all dead-lettered yet');
  });
  await consumer.stop();
  return events.map((event) => event.id);
}

function republisher(): { republished: DeadLetter[]; republish: (deadLetter: DeadLetter) => Promise<void> } {
  const republished: DeadLetter[] = [];
  return {
    republished,
    republish: async (deadLetter) => {
      republished.push(deadLetter);
    },
  };
}

onEachTransport(t, async (t, transport) => {
  t.test('listDeadLetters of a consumer that never dead-lettered anything is empty', async (t) => {
    const names = uniqueNames();
    t.same(
      await listDeadLetters(transport, { name: names.name, prefix: names.prefix }),
      [],
      'no dead-letter topic yet',
    );
    await transport.ensureTopics([deadLetterTopic(names.name, names.prefix)], 1);
    t.same(
      await listDeadLetters(transport, { name: names.name, prefix: names.prefix }),
      [],
      'an empty dead-letter topic',
    );
    const nothing = republisher();
    t.same(
      await redriveDeadLetters(transport, { name: names.name, prefix: names.prefix, republish: nothing.republish }),
      {
        redriven: [],
        skipped: [],
        notFound: [],
      },
    );
    t.same(nothing.republished, [], 'nothing to republish');
  });

  t.test('dead letters are listed, re-driven once each, and then listed as re-driven', async (t) => {
    const names = uniqueNames();
    const query = { name: names.name, prefix: names.prefix };
    const ids = await deadLetterEvents(t, transport, names, 2);

    const before = await listDeadLetters(transport, query);
    t.match(
      before,
      ids.map((eventId, n) => ({
        offset: String(n),
        eventId,
        eventType: 'ProductCreated',
        reason: 'recipient service rejected the event',
        attempts: 1,
        source: { topic: names.topic, partition: 0, offset: String(n) },
        redriven: false,
      })),
    );

    const first = republisher();
    t.same(await redriveDeadLetters(transport, { ...query, republish: first.republish }), {
      redriven: ids,
      skipped: [],
      notFound: [],
    });
    t.same(
      first.republished.map((deadLetter) => deadLetter.eventId),
      ids,
      'republish was called once per dead letter, in order',
    );
    t.same(
      first.republished.map((deadLetter) => deadLetter.value),
      before.map((deadLetter) => deadLetter.value),
      'with the original value',
    );

    const second = republisher();
    t.same(await redriveDeadLetters(transport, { ...query, republish: second.republish }), {
      redriven: [],
      skipped: [],
      notFound: [],
    });
    t.same(second.republished, [], 'a second re-drive does nothing');

    t.same(
      (await listDeadLetters(transport, query)).map((deadLetter) => deadLetter.redriven),
      [true, true],
      'listed as re-driven',
    );
  });

  t.test(
    'a selective re-drive leaves the dead letters it skipped to be re-driven later, and never re-drives one twice',
    async (t) => {
      const names = uniqueNames();
      const query = { name: names.name, prefix: names.prefix };
      const [a, b, c, d] = await deadLetterEvents(t, transport, names, 4);

      // b and d only: a stays, so the group cannot commit past it; b and d are logged instead.
      const first = republisher();
      t.same(
        await redriveDeadLetters(transport, {
          ...query,
          eventIds: [b!, d!, 'no-such-event'],
          republish: first.republish,
        }),
        {
          redriven: [b, d],
          skipped: [
            { offset: '0', reason: 'not selected (event id not in eventIds)' },
            { offset: '2', reason: 'not selected (event id not in eventIds)' },
          ],
          notFound: ['no-such-event'],
        },
      );
      t.same(
        (await listDeadLetters(transport, query)).map((deadLetter) => deadLetter.redriven),
        [false, true, false, true],
      );

      // a only: the group commits past a and the already re-driven b, and stops before c.
      const second = republisher();
      t.same(await redriveDeadLetters(transport, { ...query, eventIds: [a!, b!], republish: second.republish }), {
        redriven: [a],
        skipped: [{ offset: '2', reason: 'not selected (event id not in eventIds)' }],
        notFound: [b],
      });
      t.same(
        (await listDeadLetters(transport, query)).map((deadLetter) => deadLetter.redriven),
        [true, true, false, true],
      );

      // everything left: only c.
      const third = republisher();
      t.same(await redriveDeadLetters(transport, { ...query, republish: third.republish }), {
        redriven: [c],
        skipped: [],
        notFound: [],
      });
      t.same(
        (await listDeadLetters(transport, query)).map((deadLetter) => deadLetter.redriven),
        [true, true, true, true],
      );
      t.same(
        [...first.republished, ...second.republished, ...third.republished]
          .map((deadLetter) => deadLetter.eventId)
          .sort(),
        [a, b, c, d].sort(),
        'each dead letter was republished exactly once',
      );
      const fourth = republisher();
      t.same(await redriveDeadLetters(transport, { ...query, republish: fourth.republish }), {
        redriven: [],
        skipped: [],
        notFound: [],
      });
    },
  );

  t.test(
    'a dead letter that is not a valid event is never republished and does not hold back the ones after it',
    async (t) => {
      const names = uniqueNames();
      const query = { name: names.name, prefix: names.prefix };
      const [good] = await deadLetterEvents(t, transport, names, 1, ['{not json']);

      const first = republisher();
      const result = await redriveDeadLetters(transport, { ...query, republish: first.republish });
      t.match(result, { redriven: [good], skipped: [{ offset: '0', reason: /^not a valid event/ }], notFound: [] });
      t.same(
        (await listDeadLetters(transport, query)).map((deadLetter) => deadLetter.redriven),
        [false, true],
      );

      const second = republisher();
      t.match(await redriveDeadLetters(transport, { ...query, republish: second.republish }), {
        redriven: [],
        skipped: [{ offset: '0' }],
      });
      t.same(second.republished, []);
    },
  );

  t.test('a republish that fails stops the re-drive; what was republished before stays re-driven', async (t) => {
    const names = uniqueNames();
    const query = { name: names.name, prefix: names.prefix };
    const [a, b] = await deadLetterEvents(t, transport, names, 2);

    const calls: string[] = [];
    await t.rejects(
      redriveDeadLetters(transport, {
        ...query,
        republish: async (deadLetter) => {
          calls.push(deadLetter.eventId!);
          if (deadLetter.eventId === b) throw new Error('outbox unavailable');
        },
      }),
      { message: 'outbox unavailable' },
    );
    t.same(calls, [a, b]);
    t.same(
      (await listDeadLetters(transport, query)).map((deadLetter) => deadLetter.redriven),
      [true, false],
    );

    const retry = republisher();
    t.same(await redriveDeadLetters(transport, { ...query, republish: retry.republish }), {
      redriven: [b],
      skipped: [],
      notFound: [],
    });
  });
});
