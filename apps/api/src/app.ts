import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createAnalyticsQueries } from '@herald/analytics';
import { topicNames } from '@herald/event-schemas';
import type { EventTransport } from '@herald/event-transport';
import { analyticsRoutes } from './analytics/routes.js';
import type { Config } from './config.js';
import { deadLetterRoutes } from './dead-letters/routes.js';
import { createDeadLetterService } from './dead-letters/service.js';
import type { Pool } from './db/pool.js';
import { eventContractRoutes } from './events/routes.js';
import { healthRoutes } from './health/routes.js';
import { dashboardPlugin, dashboardUrls, defaultDashboardDir } from './plugins/dashboard.js';
import { errorHandlerPlugin, sendProblem, toProblem } from './plugins/error-handler.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { productRoutes } from './products/routes.js';
import { createProductService } from './products/service.js';
import type { Publisher } from './publisher/publisher.js';
import type { EventHub } from './stream/event-hub.js';
import { streamRoutes } from './stream/routes.js';
import type { ReplaySource } from './stream/sse-stream.js';

export interface AppDependencies {
  config: Config;
  pool: Pool;
  publisher: Publisher;
  eventHub: EventHub;
  transport: EventTransport;
  /** The built dashboard to serve at `/` (default apps/web/dist). */
  dashboardDir?: string;
  /** The event log SSE resumes read from; absent when no log is configured. */
  replaySource?: ReplaySource;
}

/** The consumer groups whose lag `/api/v1/analytics/consumer-lag` reports. */
const CONSUMER_GROUPS = ['notifier', 'analytics'];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP application as a plain Fastify instance: no port, no process concerns, so tests can
 * `inject()` into it. Start-up order reads top to bottom: framework plugins, then features.
 */
export async function buildApp(
  deps: AppDependencies,
  logger: FastifyServerOptions['loggerInstance'] | boolean = false,
): Promise<FastifyInstance> {
  const { config, pool, publisher, eventHub, transport } = deps;
  const app = Fastify({
    ...(typeof logger === 'boolean' ? { logger } : { loggerInstance: logger }),
    bodyLimit: config.bodyLimitBytes,
    // Callers may pass their own request id to correlate logs across services; genReqId checks
    // it (Fastify's requestIdHeader would echo anything, unchecked).
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // Errors Fastify raises before routing (e.g. a badly encoded URL) get the same problem bodies.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, toProblem(error)),
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  // JSON only: any other body type is a 415 before it reaches a handler.
  app.removeAllContentTypeParsers();
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string' }, jsonParser);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const dashboardDir = deps.dashboardDir ?? defaultDashboardDir;
  const dashboard = dashboardUrls(dashboardDir);
  await app.register(errorHandlerPlugin, dashboard.size > 0 ? { dashboardIndex: join(dashboardDir, 'index.html') } : {});
  await app.register(openApiPlugin, { outsideContract: dashboard });
  await app.register(dashboardPlugin, { dir: dashboardDir });
  await app.register(metricsPlugin, { publisher });

  await app.register(healthRoutes, { pool, publisher });
  await app.register(eventContractRoutes, {
    topicPrefix: config.topicPrefix,
    partitions: config.topicPartitions,
    kafkaBrokers: config.kafkaBrokers,
  });
  await app.register(streamRoutes, {
    hub: eventHub,
    replaySource: deps.replaySource,
    settings: {
      heartbeatMs: config.sse.heartbeatMs,
      maxBufferedBytes: config.sse.maxBufferedBytes,
      slowClientGraceMs: 2_000,
      maxPendingEvents: 10_000,
      replayPageSize: 500,
      replayMaxEvents: 50_000,
    },
  });
  await app.register(analyticsRoutes, {
    queries: createAnalyticsQueries(pool),
    transport,
    consumerGroups: CONSUMER_GROUPS.map((group) => `${config.topicPrefix}${group}`),
    topics: topicNames(config.topicPrefix),
  });
  await app.register(deadLetterRoutes, {
    service: createDeadLetterService({
      pool,
      transport,
      topicPrefix: config.topicPrefix,
      onEventsCommitted: () => publisher.nudge(),
    }),
  });
  await app.register(productRoutes, {
    service: createProductService({
      pool,
      eventSource: config.eventSource,
      topicPrefix: config.topicPrefix,
      onEventsCommitted: () => publisher.nudge(),
    }),
  });
  return app;
}
