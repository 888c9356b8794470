import { randomUUID } from 'node:crypto';
import type { ConsumerStats } from '@herald/consumer-runtime';
import type { EventTransport, PartitionLag } from '@herald/event-transport';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import t from 'tap';
import { consumerLagSource, metricsPlugin, type ArchiveStats, type MetricsOptions } from '../src/plugins/metrics.js';
import type { Publisher } from '../src/publisher/publisher.js';
import { initialRelayStatus } from '../src/publisher/protocol.js';
import { eventually, startTestHerald, validProduct, type TestHerald } from './helpers/herald.js';
import { openSse } from './helpers/sse-client.js';
import { publishLargeEvents, startSlowReader } from './stream/slow-reader.js';

type Labels = Record<string, string>;

/** The value of one sample of a Prometheus text exposition, matched on its name and exact labels. */
function sample(text: string, name: string, labels: Labels = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** Every sample of `name`, as label sets. */
function samples(text: string, name: string): Labels[] {
  return text
    .split('\n')
    .map((line) => new RegExp(`^${name}(?:\\{(.*)\\})? \\S+$`).exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!])));
}

t.test('the event stream on /metrics', async (t) => {
  const herald = await startTestHerald(t, { SSE_MAX_BUFFERED_BYTES: '262144' });
  const scrape = async () => (await herald.request({ method: 'GET', url: '/metrics' })).body;
  const streamUrl = `${herald.url}/api/v1/events/stream`;
  const asAdmin = { authorization: `Bearer ${await herald.adminToken()}` };

  let text = await scrape();
  t.equal(sample(text, 'herald_sse_connections'), 0, 'no connection yet');
  t.equal(sample(text, 'herald_sse_events_delivered_total'), 0);

  const client = openSse(streamUrl, asAdmin);
  t.teardown(() => client.close());
  await eventually(async () => herald.eventHub.listenerCount() === 1);
  text = await scrape();
  t.equal(sample(text, 'herald_sse_connections'), 1, 'a connected client is counted as open');
  t.equal(sample(text, 'herald_sse_connections_opened_total'), 1);

  // A product created low on stock: ProductCreated and LowStockWarning.
  await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct({ stock: 1, low_stock_threshold: 5 }) });
  await client.waitFor((m) => m.filter((x) => x.id).length >= 2);
  const [first] = client.messages;
  t.equal(sample(await scrape(), 'herald_sse_events_delivered_total'), 2, 'each event written to the client is counted');

  client.close();
  await eventually(async () => sample(await scrape(), 'herald_sse_connections') === 0);
  t.pass('a closed connection is no longer counted as open');

  const resumed = openSse(streamUrl, { ...asAdmin, 'last-event-id': first!.id! });
  t.teardown(() => resumed.close());
  await resumed.waitFor((m) => m.some((x) => x.id));
  text = await scrape();
  t.equal(sample(text, 'herald_sse_resumes_total', { from: 'ring' }), 1, 'a resume from the recent ring');
  t.equal(sample(text, 'herald_sse_events_delivered_total'), 3, 'the replayed event is counted as delivered');
  resumed.close();

  const lost = openSse(`${streamUrl}?last_event_id=${randomUUID()}`, asAdmin);
  t.teardown(() => lost.close());
  await lost.waitFor((m) => m.some((x) => x.event === 'resync'));
  text = await scrape();
  t.equal(sample(text, 'herald_sse_resumes_total', { from: 'resync' }), 1, 'a resume that could not be placed');
  t.equal(sample(text, 'herald_sse_resumes_total', { from: 'log' }), 0);
  t.equal(sample(text, 'herald_sse_overflow_disconnects_total', { reason: 'slow_client' }), 0, 'nobody cut off yet');
  lost.close();
  await eventually(async () => sample(await scrape(), 'herald_sse_connections') === 0);

  await cutOffSlowReader(t, herald);
  text = await scrape();
  t.equal(sample(text, 'herald_sse_overflow_disconnects_total', { reason: 'slow_client' }), 1, 'the slow reader was cut off');
  t.equal(sample(text, 'herald_sse_connections'), 0, 'and is no longer counted as open');
  t.equal(sample(text, 'herald_sse_connections_opened_total'), 4);
});

async function cutOffSlowReader(t: { teardown(fn: () => unknown): void }, herald: TestHerald) {
  const slow = await startSlowReader(t, herald);
  await eventually(async () => herald.eventHub.listenerCount() === 1 && slow.output().includes('connected'));
  await publishLargeEvents(herald, 3000);
  await eventually(async () => herald.eventHub.listenerCount() === 0, 60_000);
}

// The plugin alone, with plain data sources: the routes of openapi.yaml are not needed to render.
const stubPublisher: Publisher = {
  nudge() {},
  state: () => ({ ...initialRelayStatus(), worker: 'running', workerRestarts: 0 }),
  stop: async () => {},
};
const routeOnly = fp(
  async (app) => {
    const route: FastifyInstance['openapi']['route'] = (instance, _operationId, handler) => void instance.get('/metrics', handler);
    app.decorate('openapi', { route } as never);
  },
  { name: 'openapi' },
);

async function metricsOf(t: { teardown(fn: () => unknown): void }, sources: Omit<MetricsOptions, 'publisher'>) {
  const app = Fastify();
  await app.register(routeOnly);
  await app.register(metricsPlugin, { publisher: stubPublisher, ...sources });
  t.teardown(() => app.close());
  return async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`);
    return response.body;
  };
}

const consumerStats = (counts: Partial<ConsumerStats>): ConsumerStats =>
  ({ handled: 0, duplicatesSkipped: 0, ignored: 0, retries: 0, deadLettered: 0, lastError: null, ...counts }) as ConsumerStats;

t.test("each consumer group's totals are labelled by group and follow the source", async (t) => {
  let groups = [
    { group: 'notifier', stats: consumerStats({ handled: 10, duplicatesSkipped: 2, ignored: 1, retries: 3, deadLettered: 1 }) },
    { group: 'analytics', stats: consumerStats({ handled: 7 }) },
  ];
  const scrape = await metricsOf(t, { consumers: async () => groups });
  let text = await scrape();
  t.equal(sample(text, 'herald_consumer_events_handled_total', { group: 'notifier' }), 10);
  t.equal(sample(text, 'herald_consumer_duplicates_skipped_total', { group: 'notifier' }), 2);
  t.equal(sample(text, 'herald_consumer_events_ignored_total', { group: 'notifier' }), 1);
  t.equal(sample(text, 'herald_consumer_retries_total', { group: 'notifier' }), 3);
  t.equal(sample(text, 'herald_consumer_dead_lettered_total', { group: 'notifier' }), 1);
  t.equal(sample(text, 'herald_consumer_events_handled_total', { group: 'analytics' }), 7);
  t.equal(sample(text, 'herald_consumer_dead_lettered_total', { group: 'analytics' }), 0);

  groups = [{ group: 'notifier', stats: consumerStats({ handled: 15, retries: 3, deadLettered: 1 }) }];
  text = await scrape();
  t.equal(sample(text, 'herald_consumer_events_handled_total', { group: 'notifier' }), 15, 'the total as reported, not a sum of scrapes');
  t.equal(sample(text, 'herald_consumer_retries_total', { group: 'notifier' }), 3);
  t.same(samples(text, 'herald_consumer_events_handled_total'), [{ group: 'notifier' }], 'a group no longer reported is gone');
});

t.test('consumer lag is reported per group, topic and partition', async (t) => {
  const partition = (group: string, p: number, lag: number) => ({ group, topic: 'herald.products', partition: p, committedOffset: '5', highWatermark: String(5 + lag), lag });
  let lags = [partition('notifier', 0, 0), partition('notifier', 1, 4), partition('analytics', 0, 12)];
  const scrape = await metricsOf(t, { consumerLag: async () => lags });
  let text = await scrape();
  t.equal(sample(text, 'herald_consumer_lag', { group: 'notifier', topic: 'herald.products', partition: '0' }), 0);
  t.equal(sample(text, 'herald_consumer_lag', { group: 'notifier', topic: 'herald.products', partition: '1' }), 4);
  t.equal(sample(text, 'herald_consumer_lag', { group: 'analytics', topic: 'herald.products', partition: '0' }), 12);

  lags = [partition('analytics', 0, 3)];
  text = await scrape();
  t.equal(sample(text, 'herald_consumer_lag', { group: 'analytics', topic: 'herald.products', partition: '0' }), 3, 'the lag now');
  t.equal(samples(text, 'herald_consumer_lag').length, 1, 'partitions no longer reported are gone');
});

t.test('consumerLagSource asks the transport for each group and labels the partitions with it', async (t) => {
  const asked: Array<[string, string[]]> = [];
  const transport = {
    async consumerLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
      asked.push([groupId, topics]);
      return [{ topic: topics[0]!, partition: 0, committedOffset: '1', highWatermark: groupId === 'a' ? '3' : '1', lag: groupId === 'a' ? 2 : 0 }];
    },
  } as unknown as EventTransport;
  const lags = await consumerLagSource(transport, [{ group: 'a', topics: ['t1'] }, { group: 'b', topics: ['t1'] }])();
  t.same(asked, [['a', ['t1']], ['b', ['t1']]]);
  t.same(lags.map((l) => [l.group, l.topic, l.partition, l.lag]), [['a', 't1', 0, 2], ['b', 't1', 0, 0]]);
});

t.test('the archiver: totals, when the last pass ended, and whether it failed', async (t) => {
  let archive: ArchiveStats | undefined = {
    runs: 5,
    runsSkipped: 1,
    runsFailed: 1,
    eventsArchived: 1200,
    eventsAlreadyArchived: 30,
    objectsWritten: 4,
    lastRunAt: new Date('2026-03-01T12:00:00Z'),
    lastError: null,
  };
  const scrape = await metricsOf(t, { archive: async () => archive });
  let text = await scrape();
  t.equal(sample(text, 'herald_archive_runs_total'), 5);
  t.equal(sample(text, 'herald_archive_runs_skipped_total'), 1);
  t.equal(sample(text, 'herald_archive_runs_failed_total'), 1);
  t.equal(sample(text, 'herald_archive_events_archived_total'), 1200);
  t.equal(sample(text, 'herald_archive_events_already_archived_total'), 30);
  t.equal(sample(text, 'herald_archive_objects_written_total'), 4);
  t.equal(sample(text, 'herald_archive_last_run_timestamp_seconds'), Date.parse('2026-03-01T12:00:00Z') / 1000);
  t.equal(sample(text, 'herald_archive_last_run_failed'), 0);

  archive = { ...archive!, runs: 6, runsFailed: 2, lastError: 'S3 unreachable' };
  text = await scrape();
  t.equal(sample(text, 'herald_archive_runs_total'), 6);
  t.equal(sample(text, 'herald_archive_last_run_failed'), 1, 'the last pass failed');

  archive = undefined;
  text = await scrape();
  t.equal(sample(text, 'herald_archive_runs_total'), undefined, 'no archiver here: no archive figures');
});

t.test('a source that fails or does not answer is left out of the scrape; the rest is served', async (t) => {
  const scrape = await metricsOf(t, {
    consumers: async () => {
      throw new Error('worker gone');
    },
    consumerLag: () => new Promise(() => {}),
    archive: async () => ({ runs: 1, runsSkipped: 0, runsFailed: 0, eventsArchived: 3, eventsAlreadyArchived: 0, objectsWritten: 1, lastRunAt: null, lastError: null }),
    sourceTimeoutMs: 100,
  });
  const text = await scrape();
  t.same(samples(text, 'herald_consumer_events_handled_total'), [], 'no consumer figures');
  t.same(samples(text, 'herald_consumer_lag'), [], 'no lag figures');
  t.equal(sample(text, 'herald_archive_events_archived_total'), 3, 'the archive figures');
  t.equal(sample(text, 'herald_outbox_backlog'), 0, 'the publisher figures');
  t.equal(sample(text, 'herald_archive_last_run_timestamp_seconds'), undefined, 'no last run time before the first run');
});

t.test('each source is read once per scrape', async (t) => {
  const reads = { consumers: 0, consumerLag: 0, archive: 0 };
  const scrape = await metricsOf(t, {
    consumers: async () => (reads.consumers++, [{ group: 'notifier', stats: consumerStats({ handled: 1 }) }]),
    consumerLag: async () => (reads.consumerLag++, []),
    archive: async () => (reads.archive++, undefined),
  });
  await scrape();
  await scrape();
  t.same(reads, { consumers: 2, consumerLag: 2, archive: 2 });
});

t.test('without sources there are no consumer, lag or archive figures', async (t) => {
  const text = await (await metricsOf(t, {}))();
  for (const name of ['herald_consumer_events_handled_total', 'herald_consumer_lag', 'herald_archive_runs_total']) {
    t.notOk(text.includes(`# TYPE ${name}`), `no ${name}`);
  }
  t.ok(text.includes('# TYPE herald_outbox_backlog gauge'));
});

t.test("every consumer group the deployment runs has its lag on /metrics, on every topic it reads: the images feature's own group and the storage notifications included", async (t) => {
  const herald = await startTestHerald(t);
  const prefix = herald.topicPrefix;
  // The partitions are reported once the topics exist (the consumers create them as they start).
  const lags = await eventually(async () => {
    const reported = samples((await herald.request({ method: 'GET', url: '/metrics' })).body, 'herald_consumer_lag');
    return reported.some((labels) => labels.group === `${prefix}api-images`) && reported.some((labels) => labels.topic === `${prefix}herald.media-uploads`) ? reported : undefined;
  }).catch(() => []);
  const topicsOf = (group: string) => new Set(lags.filter((labels) => labels.group === `${prefix}${group}`).map((labels) => labels.topic));
  t.ok(topicsOf('api-images').has(`${prefix}herald.posts`), "the images feature's group reads the posts topic");
  t.ok(topicsOf('media').has(`${prefix}herald.media-uploads`), "the media worker's group reads the storage notifications");
  t.ok(topicsOf('media').has(`${prefix}herald.posts`), 'and the posts topic');
  t.ok(topicsOf('notifier').has(`${prefix}herald.products`), 'the notifier reads the products topic');
});
