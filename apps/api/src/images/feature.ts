import { fileURLToPath } from 'node:url';
import { topicName } from '@herald/event-schemas';
import { defineFeature, type Platform } from '../feature.js';
import { IMAGE_RESULTS_GROUP, startImageResults } from './results-consumer.js';
import { imageRoutes } from './routes.js';
import { createImageService, type ImageService } from './service.js';

/** The image service of a platform with media storage (none without). */
export function imageServiceOf(platform: Platform): ImageService | undefined {
  if (!platform.media) return undefined;
  return createImageService({
    pool: platform.pool,
    unitOfWork: platform.unitOfWork,
    storage: platform.media,
    settings: platform.config.media,
    eventSource: platform.config.eventSource,
  });
}

/**
 * Image posts, API side: the image endpoints (replace, remove, multipart, parts, completion), the
 * consumer of the media worker's verdicts, and the periodic sweep that abandons expired uploads and
 * re-announces uploads whose verdict never came. An image is declared with its post (posts
 * feature) or later, in place of the one it had (replace).
 */
export const imagesFeature = defineFeature({
  name: 'images',
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  async register(app, platform) {
    const images = imageServiceOf(platform);
    await imageRoutes(app, { images, pool: platform.pool });
    if (!images) return;

    const prefix = platform.config.topicPrefix;
    const results = startImageResults({ transport: platform.transport, prefix, images, log: app.log as never });
    platform.consumerGroups.push({ group: `${prefix}${IMAGE_RESULTS_GROUP}`, topics: [topicName('posts', prefix)] });
    let sweeping: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      sweeping ??= images
        .sweep()
        .then((done) => (done.expired || done.announced || done.removed || done.removalsFailed) && app.log.info(done, 'image uploads swept'))
        .catch((error) => app.log.warn({ err: error }, 'image upload sweep failed; next time'))
        .finally(() => (sweeping = undefined));
    }, platform.config.media.sweepIntervalMs);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await sweeping;
      await results.stop();
    });
  },
});
