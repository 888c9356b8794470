import { fileURLToPath } from 'node:url';
import { defineFeature } from '../feature.js';
import { imageServiceOf } from '../images/feature.js';
import { createPostService } from '../posts/service.js';
import type { ViewCounter } from '../posts/views.js';
import { blogRoutes } from './routes.js';
import { createBlogService } from './service.js';

/**
 * Blogs writes and lists posts and never reads one post on its own, so it counts no views: reads
 * of single posts are counted by the posts feature, and the posts a blog lists show the view
 * counts written so far (which may lag by a few seconds, as documented).
 */
const noViewsCounted: ViewCounter = {
  count: () => {},
  pending: () => 0,
  forget: () => {},
  flush: async () => {},
  stop: async () => {},
};

/** Blogs: named collections of their owner's posts. The owner owns the blog. */
export const blogsFeature = defineFeature({
  name: 'blogs',
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  async register(app, platform) {
    const { pool, unitOfWork, config } = platform;
    // Posts written into a blog may carry an image, as any post.
    const images = imageServiceOf(platform);
    const posts = createPostService({ pool, unitOfWork, eventSource: config.eventSource, views: noViewsCounted, ...(images ? { images } : {}) });
    const service = createBlogService({ pool, unitOfWork, eventSource: config.eventSource, posts });
    app.auth.defineOwnership('blog', service.ownerOf);
    await blogRoutes(app, { service });
  },
});
