import type { FastifyInstance } from 'fastify';
import { signedIn } from '../auth/plugin.js';
import type { FeedQuery, FeedService } from './service.js';

/** The signed-in user's news feed. */
export async function feedRoutes(app: FastifyInstance, { service }: { service: FeedService }) {
  app.openapi.route(app, 'getFeed', async (request) => service.read(signedIn(request).userId, request.query as FeedQuery));
}
