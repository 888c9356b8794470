import { defineFeature } from '../feature.js';
import { notificationRoutes } from './routes.js';
import { createNotificationService } from './service.js';

/**
 * Notifications: what concerns each user (a follow, a comment on their post, a comment of theirs
 * deleted), written by the notifier into DynamoDB from the events, read and marked read here.
 */
export const notificationsFeature = defineFeature({
  name: 'notifications',
  async register(app, { pool, notifications }) {
    await notificationRoutes(app, { service: createNotificationService({ store: notifications, pool }) });
  },
});
