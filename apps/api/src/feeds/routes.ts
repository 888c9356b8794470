import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from '../auth/plugin.js';
import type { FeedQuery, FeedService } from './service.js';

const signedIn = (request: FastifyRequest) => {
  if (!request.principal) throw unauthorized('this operation needs a bearer token', request.tokenProblem);
  return request.principal;
};

/** The signed-in user's news feed. */
export async function feedRoutes(app: FastifyInstance, { service }: { service: FeedService }) {
  app.openapi.route(app, 'getFeed', async (request) => service.read(signedIn(request).userId, request.query as FeedQuery));
}
