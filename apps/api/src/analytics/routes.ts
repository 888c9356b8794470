import { isAnalyticsError, type AnalyticsQueries } from '@herald/analytics';
import type { EventTransport } from '@herald/event-transport';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../errors.js';

export interface AnalyticsRoutesOptions {
  queries: AnalyticsQueries;
  transport: EventTransport;
  /** The consumer groups whose lag is reported (prefixed), with the topics each reads. */
  consumerGroups: ReadonlyArray<{ group: string; topics: string[] }>;
}

/** Statistics the analytics consumer keeps, and how far each consumer group is behind. */
export async function analyticsRoutes(app: FastifyInstance, options: AnalyticsRoutesOptions) {
  const { queries, transport, consumerGroups } = options;

  app.openapi.route(app, 'getEventRates', async (request) => {
    const query = request.query as { minutes: number; types?: string };
    try {
      return await queries.eventRates({ minutes: query.minutes, types: query.types?.split(',') });
    } catch (error) {
      if (isAnalyticsError(error)) {
        throw new HttpProblem('HERALD_VALIDATION_FAILED', error.message, [
          { in: 'query', field: error.field ?? 'types', message: error.message },
        ]);
      }
      throw error;
    }
  });

  app.openapi.route(app, 'getInventory', async () => queries.inventory());

  app.openapi.route(app, 'getConsumerLag', async () => {
    const groups = await Promise.all(
      consumerGroups.map(async ({ group, topics }) => {
        const partitions = await transport.consumerLag(group, topics);
        return {
          group,
          lag: partitions.reduce((sum, p) => sum + p.lag, 0),
          partitions: partitions.map((p) => ({
            topic: p.topic,
            partition: p.partition,
            committed_offset: p.committedOffset,
            high_watermark: p.highWatermark,
            lag: p.lag,
          })),
        };
      }),
    );
    return { transport: transport.kind, groups };
  });
}
