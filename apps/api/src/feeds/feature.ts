import { createFeedReader, openFeedCache } from '@herald/fanout';
import { defineFeature } from '../feature.js';
import { imageServiceOf } from '../images/feature.js';
import { createFeedRepository } from './repository.js';
import { feedRoutes } from './routes.js';
import { createFeedService } from './service.js';

/**
 * Feeds: each user's news feed, read from the feed table the fan-out service (apps/fanout) writes
 * (through its Redis cache when REDIS_URL is set),
 * merged with the recent posts of the celebrities they follow and hydrated from PostgreSQL. The
 * follows and posts it reads are the follows and posts features' tables, and a post's image the images
 * feature's; it owns none of its own.
 */
export const feedsFeature = defineFeature({
  name: 'feeds',
  async register(app, platform) {
    const { pool, dynamodb, config } = platform;
    // With REDIS_URL, each user's feed is read from Redis first (rebuilt from the table on a miss).
    const cache = dynamodb ? openFeedCache(config.feeds, app.log.child({ component: 'feed-cache' })) : undefined;
    if (cache) app.addHook('onClose', () => cache.close());
    const reader = dynamodb
      ? createFeedReader({ client: dynamodb, table: config.feeds.tables.feeds, cache, maxEntries: config.feeds.feedMaxEntries })
      : undefined;
    await feedRoutes(app, {
      service: createFeedService({ repository: createFeedRepository(pool), reader, settings: config.feeds, images: imageServiceOf(platform) }),
    });
  },
});
