import type { ConsumerStats } from '@herald/consumer-runtime';
import type { EventTransport, PartitionLag } from '@herald/event-transport';
import type { ArchiverStats } from '@herald/notifier';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Publisher } from '../publisher/publisher.js';
import type { StreamStats } from '../stream/stream-stats.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** One consumer group's counters, as its runtime reports them. */
export interface ConsumerGroupStats {
  group: string;
  stats: ConsumerStats;
}

/** One partition's lag for one consumer group. */
export type GroupPartitionLag = PartitionLag & { group: string };

/** What the notifier's archiver has done since it started (its own figures, as it reports them). */
export type ArchiveStats = ArchiverStats;

export interface MetricsOptions {
  publisher: Publisher;
  /** Counters of each consumer group this deployment runs. */
  consumers?: () => Promise<ConsumerGroupStats[]>;
  /** Lag of each consumer group per partition (see `consumerLagSource`). */
  consumerLag?: () => Promise<GroupPartitionLag[]>;
  /** The archiver's figures; undefined when no archiver runs here. */
  archive?: () => Promise<ArchiveStats | undefined>;
  /** How long a scrape waits for a source before leaving its metrics out of that scrape. Default 2000 ms. */
  sourceTimeoutMs?: number;
}

/** `consumerLag` from a transport: every partition of the topics, for each group. */
export function consumerLagSource(
  transport: EventTransport,
  groups: ReadonlyArray<{ group: string; topics: string[] }>,
): () => Promise<GroupPartitionLag[]> {
  return async () => {
    const lags = await Promise.all(
      groups.map(async ({ group, topics }) => (await transport.consumerLag(group, topics)).map((partition) => ({ ...partition, group }))),
    );
    return lags.flat();
  };
}

/** Sets a counter to an absolute total reported by the worker (prom-client counters only increment). */
function setTotal(counter: Counter, total: number) {
  counter.reset();
  counter.inc(total);
}

/** Sets a labelled counter to absolute totals, one per label set; label sets no longer reported disappear. */
function setTotals<L extends string>(counter: Counter<L>, totals: Array<[Partial<Record<L, string | number>>, number]>) {
  counter.reset();
  for (const [labels, total] of totals) counter.inc(labels, total);
}

/**
 * A source read at most once per scrape: the metrics of one source collect concurrently and share
 * one call. A source that fails or takes longer than `timeoutMs` yields undefined, so one slow
 * dependency (a broker that does not answer) never fails the whole scrape.
 */
function perScrape<T>(name: string, read: () => Promise<T>, timeoutMs: number, log: FastifyBaseLogger): () => Promise<T | undefined> {
  let inFlight: Promise<T | undefined> | undefined;
  return () =>
    (inFlight ??= new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => {
        log.warn({ source: name, timeoutMs }, 'metrics: source did not answer in time; left out of this scrape');
        resolve(undefined);
      }, timeoutMs);
      read().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          log.warn({ err: error, source: name }, 'metrics: source failed; left out of this scrape');
          resolve(undefined);
        },
      );
    }).finally(() => {
      inFlight = undefined;
    }));
}

const CONSUMER_TOTALS: Array<[string, string, keyof Omit<ConsumerStats, 'lastError'>]> = [
  ['herald_consumer_events_handled_total', 'Events the consumer group handled', 'handled'],
  ['herald_consumer_duplicates_skipped_total', 'Redelivered events skipped by their id', 'duplicatesSkipped'],
  ['herald_consumer_events_ignored_total', 'Events of types the consumer group does not handle', 'ignored'],
  ['herald_consumer_retries_total', 'Handler attempts that failed and were retried', 'retries'],
  ['herald_consumer_dead_lettered_total', 'Events sent to the dead-letter topic', 'deadLettered'],
];

function registerConsumerMetrics(registry: Registry, consumers: () => Promise<ConsumerGroupStats[] | undefined>) {
  for (const [name, help, key] of CONSUMER_TOTALS) {
    new Counter({
      name,
      help,
      labelNames: ['group'],
      registers: [registry],
      async collect() {
        setTotals(this, ((await consumers()) ?? []).map(({ group, stats }) => [{ group }, stats[key]]));
      },
    });
  }
}

function registerLagMetrics(registry: Registry, consumerLag: () => Promise<GroupPartitionLag[] | undefined>) {
  new Gauge({
    name: 'herald_consumer_lag',
    help: 'Records of a partition the consumer group has not handled yet',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { group, topic, partition, lag } of (await consumerLag()) ?? []) this.set({ group, topic, partition }, lag);
    },
  });
}

const ARCHIVE_TOTALS: Array<[string, string, 'runs' | 'runsSkipped' | 'runsFailed' | 'eventsArchived' | 'eventsAlreadyArchived' | 'objectsWritten']> = [
  ['herald_archive_runs_total', 'Archiver passes started', 'runs'],
  ['herald_archive_runs_skipped_total', 'Archiver passes skipped because another instance held the lease', 'runsSkipped'],
  ['herald_archive_runs_failed_total', 'Archiver passes that failed', 'runsFailed'],
  ['herald_archive_events_archived_total', 'Events written to the archive', 'eventsArchived'],
  ['herald_archive_events_already_archived_total', 'Events found already archived and only removed from the log', 'eventsAlreadyArchived'],
  ['herald_archive_objects_written_total', 'Archive objects written', 'objectsWritten'],
];

/** Without figures (no archiver here, or the source failed) there is no sample: a 0 would read as a counter reset. */
function registerArchiveMetrics(registry: Registry, archive: () => Promise<ArchiveStats | undefined>) {
  for (const [name, help, key] of ARCHIVE_TOTALS) {
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await archive();
        if (stats) setTotal(this, stats[key]);
        else this.remove();
      },
    });
  }
  new Gauge({
    name: 'herald_archive_last_run_timestamp_seconds',
    help: 'When the last archiver pass ended (Unix time)',
    registers: [registry],
    async collect() {
      const stats = await archive();
      if (stats?.lastRunAt) this.set(stats.lastRunAt.getTime() / 1000);
      else this.remove();
    },
  });
  new Gauge({
    name: 'herald_archive_last_run_failed',
    help: '1 when the last archiver pass failed',
    registers: [registry],
    async collect() {
      const stats = await archive();
      if (stats) this.set(stats.lastError === null ? 0 : 1);
      else this.remove();
    },
  });
}

/**
 * The event stream's figures on `registry`, read from `stats` at each scrape. Called by the stream
 * routes, which own the figures, when the metrics plugin is registered.
 */
export function registerStreamMetrics(registry: Registry, stats: () => StreamStats) {
  new Gauge({
    name: 'herald_sse_connections',
    help: 'Event stream connections open now',
    registers: [registry],
    collect() {
      this.set(stats().connectionsOpen);
    },
  });
  const totals: Array<[string, string, (s: StreamStats) => number]> = [
    ['herald_sse_connections_opened_total', 'Event stream connections opened', (s) => s.connectionsOpened],
    ['herald_sse_events_delivered_total', 'Events written to event stream clients, replays included', (s) => s.eventsDelivered],
  ];
  for (const [name, help, read] of totals) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        setTotal(this, read(stats()));
      },
    });
  }
  new Counter({
    name: 'herald_sse_overflow_disconnects_total',
    help: 'Clients cut off with event: overflow (slow_client: socket backlog; replay_backlog: too many live events during a replay)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const { overflows } = stats();
      setTotals(this, [
        [{ reason: 'slow_client' }, overflows.slowClient],
        [{ reason: 'replay_backlog' }, overflows.replayBacklog],
      ]);
    },
  });
  new Counter({
    name: 'herald_sse_resumes_total',
    help: 'Resumes after Last-Event-ID by where the missed events came from (ring, log, or resync when the position was lost)',
    labelNames: ['from'],
    registers: [registry],
    collect() {
      const { resumes } = stats();
      setTotals(this, [
        [{ from: 'ring' }, resumes.ring],
        [{ from: 'log' }, resumes.log],
        [{ from: 'resync' }, resumes.resync],
      ]);
    },
  });
}

/**
 * Prometheus metrics on `/metrics`: request rate and latency per route, the publisher's outbox
 * backlog, publish rate and errors, and, for the sources given, the consumers' counters and lag
 * and the archiver's figures. Sources are plain functions, so the figures may come from another
 * thread or process. One registry per app instance, so several apps in one process (tests) do not
 * collide.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsOptions) => {
    const { publisher } = options;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    const requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });

    new Gauge({
      name: 'herald_outbox_backlog',
      help: 'Committed events not yet acknowledged by the broker',
      registers: [registry],
      collect() {
        this.set(publisher.state().backlog);
      },
    });
    new Gauge({
      name: 'herald_outbox_oldest_pending_seconds',
      help: 'Age of the oldest unpublished event',
      registers: [registry],
      collect() {
        this.set(publisher.state().oldestPendingSeconds);
      },
    });
    new Gauge({
      name: 'herald_publisher_leader',
      help: '1 when this instance is the one relaying the outbox',
      registers: [registry],
      collect() {
        this.set(publisher.state().leader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'herald_publisher_broker_reachable',
      help: '1 when the last publish attempt reached the broker',
      registers: [registry],
      collect() {
        this.set(publisher.state().broker === 'unreachable' ? 0 : 1);
      },
    });
    const totals: Array<[string, string, keyof ReturnType<Publisher['state']>]> = [
      ['herald_events_published_total', 'Events acknowledged by the broker', 'publishedTotal'],
      ['herald_publish_batches_total', 'Batches acknowledged by the broker', 'batchesTotal'],
      ['herald_publish_failures_total', 'Failed publish attempts (retried with backoff)', 'sendFailuresTotal'],
      ['herald_outbox_set_aside_total', 'Events set aside as unpublishable', 'setAsideTotal'],
      ['herald_publisher_restarts_total', 'Publisher worker restarts', 'workerRestarts'],
    ];
    for (const [name, help, key] of totals) {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          setTotal(this, Number(publisher.state()[key]));
        },
      });
    }

    const timeoutMs = options.sourceTimeoutMs ?? 2000;
    const log = app.log.child({ component: 'metrics' });
    if (options.consumers) registerConsumerMetrics(registry, perScrape('consumers', options.consumers, timeoutMs, log));
    if (options.consumerLag) registerLagMetrics(registry, perScrape('consumerLag', options.consumerLag, timeoutMs, log));
    if (options.archive) registerArchiveMetrics(registry, perScrape('archive', options.archive, timeoutMs, log));

    app.decorate('metrics', registry);
    // A callback hook: no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      requestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: reply.statusCode },
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.openapi.route(app, 'getMetrics', async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics', dependencies: ['openapi'], fastify: '5.x' },
);
