import type { FastifyInstance } from 'fastify';
import { signedIn } from '../auth/plugin.js';
import type { NotificationService } from './service.js';

/** The signed-in user's notifications: listed unread first, marked read. */
export async function notificationRoutes(app: FastifyInstance, { service }: { service: NotificationService }) {
  app.openapi.route(app, 'listNotifications', async (request) =>
    service.list(signedIn(request).userId, request.query as { limit?: number; cursor?: string }),
  );

  app.openapi.route(app, 'markNotificationsRead', async (request, reply) => {
    await service.markRead(signedIn(request).userId, request.body as { ids: string[] } | { all: true });
    return reply.code(204).send();
  });
}
