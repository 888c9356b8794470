import type { FastifyInstance } from 'fastify';
import { signedIn } from '../auth/plugin.js';
import type { FollowService } from './service.js';

/** Follows: the signed-in user follows and unfollows; anyone may list a user's followers and following. */
export async function followRoutes(app: FastifyInstance, { service }: { service: FollowService }) {
  app.openapi.route(app, 'followUser', async (request, reply) => {
    await service.follow(signedIn(request).userId, (request.params as { userId: string }).userId);
    return reply.code(204).send();
  });

  app.openapi.route(app, 'unfollowUser', async (request, reply) => {
    await service.unfollow(signedIn(request).userId, (request.params as { userId: string }).userId);
    return reply.code(204).send();
  });

  app.openapi.route(app, 'listFollowers', async (request) =>
    service.list('followers', (request.params as { id: string }).id, request.query as { limit?: number; cursor?: string }),
  );

  app.openapi.route(app, 'listFollowing', async (request) =>
    service.list('following', (request.params as { id: string }).id, request.query as { limit?: number; cursor?: string }),
  );
}
