import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from '../auth/plugin.js';
import type { FollowService } from './service.js';

const signedIn = (request: FastifyRequest) => {
  if (!request.principal) throw unauthorized('this operation needs a bearer token', request.tokenProblem);
  return request.principal;
};

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
