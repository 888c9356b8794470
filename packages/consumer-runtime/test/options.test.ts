import t from 'tap';
import { createEmbeddedBroker } from '@herald/event-transport';
import type { HeraldEvent } from '@herald/event-schemas';
import { startConsumer, type ConsumerDefinition } from '../src/index.js';
import { resolveSettings } from '../src/options.js';

const transport = createEmbeddedBroker();
t.teardown(() => transport.close());
const handle: ConsumerDefinition['handle'] = async () => {};

t.test('a topic key is turned into its prefixed name; a full name is used as given', async (t) => {
  const settings = resolveSettings(
    { name: 'notifier', topics: ['products', 'staging.other'], handle },
    { transport, prefix: 'staging.' },
  );
  t.same(settings.topics, ['staging.herald.products', 'staging.other']);
  t.equal(settings.group, 'staging.notifier');
});

t.test('defaults apply when options are left out', async (t) => {
  t.match(resolveSettings({ name: 'notifier', topics: ['products'], handle }, { transport }), {
    prefix: '',
    maxAttempts: 5,
    initialBackoffMs: 200,
    maxBackoffMs: 10_000,
    recentIdsCapacity: 10_000,
  });
});

t.test('an isTransient that throws counts the error as not transient', async (t) => {
  const settings = resolveSettings(
    {
      name: 'notifier',
      topics: ['products'],
      handle,
      isTransient: () => {
        throw new Error('classifier bug');
      },
    },
    { transport },
  );
  t.equal(settings.isTransient(new Error('x')), false);
});

t.test('invalid definitions and options are refused before anything starts', async (t) => {
  const cases: Array<[string, Parameters<typeof startConsumer<HeraldEvent>>]> = [
    [
      'a name that cannot be part of a topic name',
      [{ name: 'no spaces', topics: ['products'], handle }, { transport }],
    ],
    ['no topics', [{ name: 'notifier', topics: [], handle }, { transport }]],
    [
      'maxAttempts 0',
      [
        { name: 'notifier', topics: ['products'], handle },
        { transport, maxAttempts: 0 },
      ],
    ],
    [
      'a cap below the first backoff',
      [
        { name: 'notifier', topics: ['products'], handle },
        { transport, initialBackoffMs: 500, maxBackoffMs: 100 },
      ],
    ],
    [
      'maxBatchSize 0',
      [
        { name: 'notifier', topics: ['products'], handle },
        { transport, maxBatchSize: 0 },
      ],
    ],
    [
      'a handleBatch that is not a function',
      [{ name: 'notifier', topics: ['products'], handle, handleBatch: 'yes' as never }, { transport }],
    ],
  ];
  for (const [what, args] of cases) {
    await t.rejects(startConsumer(...args), { code: 'ERR_CONSUMER_INVALID_OPTIONS' }, what);
  }
});
