import { accountsFeature } from './accounts/feature.js';
import { analyticsFeature } from './analytics/feature.js';
import { blogsFeature } from './blogs/feature.js';
import { deadLettersFeature } from './dead-letters/feature.js';
import type { Feature } from './feature.js';
import { feedsFeature } from './feeds/feature.js';
import { followsFeature } from './follows/feature.js';
import { imagesFeature } from './images/feature.js';
import { notificationsFeature } from './notifications/feature.js';
import { postsFeature } from './posts/feature.js';
import { postStatsFeature } from './post-stats/feature.js';
import { productsFeature } from './products/feature.js';

/**
 * Every feature of the API, registered in this order after the platform plugins. A new domain is
 * a new folder with a `feature.ts`, and one line here.
 */
export const features: readonly Feature[] = [
  accountsFeature,
  followsFeature,
  feedsFeature,
  notificationsFeature,
  postsFeature,
  imagesFeature,
  postStatsFeature,
  blogsFeature,
  productsFeature,
  analyticsFeature,
  deadLettersFeature,
];
