import { createAnalyticsQueries } from '@herald/analytics';
import { defineFeature } from '../feature.js';
import { analyticsRoutes } from './routes.js';

/** The analytics read model's figures, and how far behind each consumer group is. */
export const analyticsFeature = defineFeature({
  name: 'analytics',
  async register(app, { pool, transport, consumerGroups }) {
    await analyticsRoutes(app, {
      queries: createAnalyticsQueries(pool),
      transport,
      consumerGroups,
    });
  },
});
