import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PENDING_RETRY_AFTER_SECONDS, type PostStatsQueries } from './queries.js';

/** Where the post's statistics are read now, for the `Link` of the deprecated aliases. */
const successorOf = (postId: string) => `</api/v1/posts/${encodeURIComponent(postId)}/stats>; rel="successor-version"`;

/**
 * `GET /api/v1/posts/{id}/stats`, and the two deprecated forms of the earlier post-statistics API
 * (`/api/v1/posts/stats?id=`, `/api/v1/posts/{id}/analysis`) with the same answers, plus
 * `Deprecation` and a `Link` to the current form.
 */
export async function postStatsRoutes(app: FastifyInstance, { queries }: { queries: PostStatsQueries }) {
  const answer = async (postId: string, reply: FastifyReply) => {
    const result = await queries.read(postId);
    if (result.computed) return result.body;
    return reply.code(202).header('retry-after', String(PENDING_RETRY_AFTER_SECONDS)).send(result.body);
  };
  const deprecated = (postId: string, reply: FastifyReply) => {
    reply.header('deprecation', 'true').header('link', successorOf(postId));
    return answer(postId, reply);
  };
  const idParam = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.openapi.route(app, 'getPostStats', async (request, reply) => answer(idParam(request), reply));
  app.openapi.route(app, 'getPostStatsByQuery', async (request, reply) => deprecated((request.query as { id: string }).id, reply));
  app.openapi.route(app, 'getPostAnalysis', async (request, reply) => deprecated(idParam(request), reply));
}
