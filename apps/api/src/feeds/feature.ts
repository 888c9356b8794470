import { defineFeature } from '../feature.js';
import { createFeedRepository } from './repository.js';
import { feedRoutes } from './routes.js';
import { createFeedService } from './service.js';

/**
 * Feeds: each user's news feed, read from the feed table the fan-out service (apps/fanout) writes,
 * merged with the recent posts of the celebrities they follow and hydrated from PostgreSQL. The
 * follows and posts it reads are the follows and posts features' tables; it owns none of its own.
 */
export const feedsFeature = defineFeature({
  name: 'feeds',
  async register(app, { pool, dynamodb, config }) {
    await feedRoutes(app, {
      service: createFeedService({ repository: createFeedRepository(pool), dynamodb, settings: config.feeds }),
    });
  },
});
