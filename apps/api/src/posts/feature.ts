import { fileURLToPath } from 'node:url';
import { defineFeature } from '../feature.js';
import { imageServiceOf } from '../images/feature.js';
import { postRoutes } from './routes.js';
import { createPostService } from './service.js';
import { createViewCounter } from './views.js';

/** How often gathered post reads are written (view_count may lag by this much). */
const VIEW_FLUSH_MS = 2_000;

/** Posts and their comments. A post's author owns it; a comment is its author's and the post's author's. */
export const postsFeature = defineFeature({
  name: 'posts',
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  async register(app, platform) {
    const { pool, unitOfWork, config } = platform;
    const views = createViewCounter({ pool, flushMs: VIEW_FLUSH_MS, onError: (error) => app.log.warn({ err: error }, 'post views not written yet; retrying') });
    app.addHook('onClose', () => views.stop());
    const images = imageServiceOf(platform);
    const service = createPostService({ pool, unitOfWork, eventSource: config.eventSource, views, ...(images ? { images } : {}) });
    app.auth.defineOwnership('post', service.authorOf);
    app.auth.defineOwnership('comment', service.commentOwners);
    await postRoutes(app, { service });
  },
});
