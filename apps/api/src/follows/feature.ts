import { fileURLToPath } from 'node:url';
import { defineFeature } from '../feature.js';
import { followRoutes } from './routes.js';
import { createFollowService } from './service.js';

/**
 * Follows: who follows whom, with exact counts on profiles. `UserFollowed`/`UserUnfollowed` (keyed
 * by the followed user) are what the feeds are built from.
 */
export const followsFeature = defineFeature({
  name: 'follows',
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  async register(app, { pool, unitOfWork, config }) {
    await followRoutes(app, { service: createFollowService({ pool, unitOfWork, eventSource: config.eventSource }) });
  },
});
