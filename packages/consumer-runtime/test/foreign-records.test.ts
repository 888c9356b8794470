import t from 'tap';
import { deadLetterTopic, startConsumer, type ParsedRecord } from '../src/index.js';
import { sourceTopic } from './helpers/consumers.js';
import { eventually } from './helpers/events.js';
import { onEachTransport, uniqueNames } from './helpers/transports.js';

/** A record shape of another system (storage notifications, say): no CloudEvent at all. */
interface Ping {
  id: string;
  type: 'Ping';
  from: string;
}

function parsePing(value: string): ParsedRecord<Ping> {
  const body = JSON.parse(value) as { ping?: unknown; seq?: unknown };
  if (typeof body.ping !== 'string' || typeof body.seq !== 'number') {
    return { valid: false, issues: [{ path: '/ping', message: 'not a ping' }] };
  }
  return { valid: true, event: { id: `ping-${body.seq}`, type: 'Ping', from: body.ping } };
}

onEachTransport(t, async (t, transport) => {
  t.test("a consumer's own parse reads records that are not CloudEvents; what it refuses is dead-lettered", async (t) => {
    const names = uniqueNames();
    const send = await sourceTopic(t, transport, names);
    const seen: string[] = [];
    const consumer = await startConsumer<Ping>(
      {
        name: names.name,
        topics: [names.topic],
        parse: (record) => parsePing(record.value),
        handle: async (event) => {
          seen.push(`${event.id}:${event.from}`);
        },
      },
      { transport, prefix: names.prefix, initialBackoffMs: 5, maxBackoffMs: 40 },
    );
    t.teardown(() => consumer.stop());
    const record = (value: object) => ({ topic: names.topic, key: 'k', value: JSON.stringify(value), headers: {} });
    await send([record({ ping: 'storage', seq: 1 }), record({ other: true }), record({ ping: 'storage', seq: 1 }), record({ ping: 'again', seq: 2 })]);

    await eventually(() => {
      if (seen.length < 2) throw new Error('not handled yet');
    });
    t.same(seen, ['ping-1:storage', 'ping-2:again'], 'the repeated id is skipped like a redelivered event');
    t.match(consumer.stats(), { handled: 2, duplicatesSkipped: 1, deadLettered: 1 });
    t.equal(consumer.deadLetterTopic, deadLetterTopic(names.name, names.prefix));
  });
});
