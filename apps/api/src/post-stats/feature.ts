import { createAnalyticsQueries } from '@herald/analytics';
import { defineFeature } from '../feature.js';
import { createPostStatsQueries } from './queries.js';
import { postStatsRoutes } from './routes.js';

/**
 * The statistics of each post's content (words, mean word length, characters), computed
 * asynchronously by the analytics consumer from the post events, served with the post's counters.
 */
export const postStatsFeature = defineFeature({
  name: 'post-stats',
  async register(app, { pool }) {
    await postStatsRoutes(app, { queries: createPostStatsQueries({ pool, analytics: createAnalyticsQueries(pool) }) });
  },
});
