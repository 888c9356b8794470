import t from 'tap';
import { eventually, onRealBroker, startTestHerald, validProduct } from '../helpers/herald.js';
import { openSse } from '../helpers/sse-client.js';

t.test(
  'with two API instances, a client of either sees every event, whichever instance took the write',
  { skip: !onRealBroker && 'instances share a broker only on Kafka (npm run test:stack); the embedded broker lives inside one process' },
  async (t) => {
    const first = await startTestHerald(t);
    // Signed in before the second instance gives the admin account its own password.
    const firstToken = await first.adminToken();
    const second = await startTestHerald(t, { DATABASE_URL: first.databaseUrl, TOPIC_PREFIX: first.topicPrefix });
    // Stream tickets live in the database: one issued by the first instance opens a stream on the second.
    const issued = await first.request({ method: 'POST', url: '/api/v1/events/stream-tickets' });
    t.equal(issued.statusCode, 201);
    const onFirst = openSse(`${first.url}/api/v1/events/stream?types=ProductCreated`, { authorization: `Bearer ${firstToken}` });
    const onSecond = openSse(`${second.url}/api/v1/events/stream?types=ProductCreated&ticket=${issued.json().ticket}`);
    t.teardown(() => {
      onFirst.close();
      onSecond.close();
    });
    await eventually(async () => first.eventHub.listenerCount() === 1 && second.eventHub.listenerCount() === 1);

    const written: string[] = [];
    for (const [i, herald] of [first, second, first, second].entries()) {
      const response = await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ name: `Item ${i}` }) });
      written.push(response.json().id);
    }
    const subjects = (messages: typeof onFirst.messages) => messages.filter((m) => m.id).map((m) => JSON.parse(m.data).subject).sort();
    await onFirst.waitFor((m) => m.filter((x) => x.id).length >= 4, 30_000);
    await onSecond.waitFor((m) => m.filter((x) => x.id).length >= 4, 30_000);
    t.same(subjects(onFirst.messages), [...written].sort(), 'the client of the first instance saw all four');
    t.same(subjects(onSecond.messages), [...written].sort(), 'the client of the second instance saw all four');
    const leaders = [first, second].filter((herald) => herald.publisher.state().leader);
    t.equal(leaders.length, 1, 'one relay publishes for both instances (the advisory-lock holder)');
  },
);
