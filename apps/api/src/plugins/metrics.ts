import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Publisher } from '../publisher/publisher.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** Sets a counter to an absolute total reported by the worker (prom-client counters only increment). */
function setTotal(counter: Counter, total: number) {
  counter.reset();
  counter.inc(total);
}

/**
 * Prometheus metrics on `/metrics`: request rate and latency per route, and the publisher's
 * outbox backlog, publish rate and errors. One registry per app instance, so several apps in one
 * process (tests) do not collide.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, { publisher }: { publisher: Publisher }) => {
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

    app.decorate('metrics', registry);
    app.addHook('onResponse', async (request, reply) => {
      requestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: reply.statusCode },
        reply.elapsedTime / 1000,
      );
    });
    app.openapi.route(app, 'getMetrics', async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics', dependencies: ['openapi'], fastify: '5.x' },
);
