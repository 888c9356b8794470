import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { topicName, topics as topicMap, type TopicKey } from '@herald/event-schemas';
import type { EventTransport } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { NotificationStore } from '@herald/notifier';
import { authPlugin } from './auth/plugin.js';
import { ephemeralKeySet, type KeySet } from './auth/keys.js';
import type { Config } from './config.js';
import { consumerModules } from './consumers/modules.js';
import type { Pool } from './db/pool.js';
import { eventContractRoutes } from './events/routes.js';
import type { Platform } from './feature.js';
import { features } from './features.js';
import { healthRoutes } from './health/routes.js';
import { dashboardPlugin, dashboardUrls, defaultDashboardDir } from './plugins/dashboard.js';
import { rejectDuplicateKeys, requireUtf8 } from './openapi/json-body.js';
import { clientErrorHandler } from './plugins/client-errors.js';
import { errorHandlerPlugin, sendProblem, toProblem } from './plugins/error-handler.js';
import { corsPlugin } from './plugins/cors.js';
import { consumerLagSource, metricsPlugin, type ArchiveStats, type ConsumerGroupStats } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { rateLimitsPlugin } from './plugins/rate-limits.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { createUnitOfWork } from './outbox/unit-of-work.js';
import type { Publisher } from './publisher/publisher.js';
import type { EventHub } from './stream/event-hub.js';
import { streamRoutes } from './stream/routes.js';
import type { ReplaySource } from './stream/sse-stream.js';
import { createStreamTickets } from './stream/tickets.js';
import type { MediaStorage } from './images/storage.js';

export interface AppDependencies {
  config: Config;
  pool: Pool;
  publisher: Publisher;
  eventHub: EventHub;
  transport: EventTransport;
  /** Keys of the access tokens; default a key made for this instance alone (tests of the HTTP layer). */
  keys?: KeySet;
  /** The built dashboard to serve at `/` (default apps/web/dist). */
  dashboardDir?: string;
  /** The event log SSE resumes read from; absent when no log is configured. */
  replaySource?: ReplaySource;
  /** People's notifications (read and marked read by the API); absent when no store is configured. */
  notifications?: NotificationStore;
  /** The DynamoDB of the feed tables (the fan-out writes them); absent when there is none to read. */
  dynamodb?: DynamoDBClient;
  /** The media bucket (image uploads); absent when the app runs without object storage. */
  media?: MediaStorage;
  /** Consumer names (unprefixed) whose lag the API reports. Default: the in-process consumers'. */
  consumerNames?: readonly string[];
  /** The consumers running in this process (the consumer thread), for metrics. */
  consumers?: {
    reports(): ConsumerGroupStats[];
    archive(): ArchiveStats | undefined;
  };
}

const topicKeys = Object.keys(topicMap) as TopicKey[];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One access-log line per request, written when it completes and naming the request, instead of
 * Fastify's two (one when it arrives, one when it completes): log lines cost the hot path.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * The HTTP application as a plain Fastify instance: no port, no process concerns, so tests can
 * `inject()` into it. Start-up order reads top to bottom: platform plugins, then the features
 * listed in `features.ts`.
 */
export async function buildApp(
  deps: AppDependencies,
  logger: FastifyServerOptions['loggerInstance'] | boolean = false,
): Promise<FastifyInstance> {
  const { config, pool, publisher, eventHub, transport } = deps;
  const app = Fastify({
    // Whatever logger is given, requests are logged through Herald's serializers: credentials in
    // the query are redacted and headers (Authorization) never written.
    ...(typeof logger === 'boolean'
      ? { logger: logger && ({ serializers: logSerializers } as FastifyServerOptions['logger']) }
      : { loggerInstance: logger.child({}, { serializers: logSerializers }) }),
    bodyLimit: config.bodyLimitBytes,
    // Behind a proxy, the client address (rate limits, logs) comes from X-Forwarded-For. Fastify
    // also takes a number of hops, which its types do not list.
    trustProxy: config.trustProxy as boolean | string[],
    // Callers may pass their own request id to correlate logs across services; genReqId checks
    // it (Fastify's requestIdHeader would echo anything, unchecked).
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // While closing, a request that has already reached this instance is served, not turned away
    // with a 503: the database and the publisher stop only after the HTTP server has drained.
    return503OnClosing: false,
    // Errors Fastify raises before routing (e.g. a badly encoded URL) get the same problem bodies.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, toProblem(error, request)),
    // Requests Node's HTTP parser refuses (bad request line or header, headers too large) too.
    clientErrorHandler,
    forceCloseConnections: 'idle',
    logController: new OneLinePerRequest(),
  }) as unknown as FastifyInstance;

  // JSON only: any other body type is a 415 before it reaches a handler. Read as bytes, so that a
  // body that is not UTF-8 is refused rather than decoded with replacement characters.
  app.removeAllContentTypeParsers();
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'buffer' }, requireUtf8(rejectDuplicateKeys(jsonParser)));
  // Callback hooks: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  const dashboardDir = deps.dashboardDir ?? defaultDashboardDir;
  const dashboard = dashboardUrls(dashboardDir);
  // Before the error handler, so that its 404s and 405s carry them too.
  await app.register(securityHeadersPlugin, { storageOrigin: deps.media?.publicOrigin });
  await app.register(corsPlugin, { origins: config.corsOrigins });
  await app.register(errorHandlerPlugin, dashboard.size > 0 ? { dashboardIndex: join(dashboardDir, 'index.html') } : {});
  await app.register(authPlugin, {
    keys: deps.keys ?? ephemeralKeySet(),
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
  });
  await app.register(openApiPlugin, { outsideContract: dashboard, guard: (operationId, security) => app.auth.guard(operationId, security) });
  // Before any operation's route: it adds its limits to each as it is registered.
  await app.register(rateLimitsPlugin, { limits: config.rateLimits });
  await app.register(dashboardPlugin, { dir: dashboardDir });
  const platform: Platform = {
    config,
    pool,
    unitOfWork: createUnitOfWork({ pool, topicPrefix: config.topicPrefix, onEventsCommitted: () => publisher.nudge() }),
    transport,
    publisher,
    ...(deps.notifications ? { notifications: deps.notifications } : {}),
    ...(deps.dynamodb ? { dynamodb: deps.dynamodb } : {}),
    ...(deps.media ? { media: deps.media } : {}),
    consumerGroups: (deps.consumerNames ?? consumerModules.map((module) => module.name)).map((name) => {
      const module = consumerModules.find((candidate) => candidate.name === name);
      return {
        group: `${config.topicPrefix}${name}`,
        // A consumer run elsewhere that the API does not know is measured against every topic.
        topics: [...(module?.topics ?? topicKeys).map((key) => topicName(key, config.topicPrefix)), ...(module?.otherTopics?.(config.topicPrefix) ?? [])],
      };
    }),
  };
  const { consumers } = deps;
  await app.register(metricsPlugin, {
    publisher,
    consumerLag: consumerLagSource(transport, platform.consumerGroups),
    ...(consumers ? { consumers: async () => consumers.reports(), archive: async () => consumers.archive() } : {}),
  });

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
    tickets: createStreamTickets({ pool, ttlSeconds: config.sse.ticketTtlSeconds }),
    maxStreamsPerUser: config.sse.maxStreamsPerUser,
  });

  for (const feature of features) {
    await app.register(async (scope) => feature.register(scope, platform));
  }
  return app;
}
