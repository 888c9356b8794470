import { buildAsyncApiDocument } from '@herald/event-schemas';
import type { FastifyInstance } from 'fastify';

/** Serves the event contract the way `/docs` serves the REST one. */
export async function eventContractRoutes(
  app: FastifyInstance,
  options: { topicPrefix: string; partitions: number; kafkaBrokers: string[] | undefined },
) {
  const document = buildAsyncApiDocument({
    topicPrefix: options.topicPrefix,
    partitions: options.partitions,
    ...(options.kafkaBrokers ? { servers: { kafka: options.kafkaBrokers[0]! } } : {}),
  });
  app.openapi.route(app, 'getAsyncApi', async () => document);
}
