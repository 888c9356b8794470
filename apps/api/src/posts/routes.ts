import type { FastifyInstance, FastifyReply } from 'fastify';
import { signedIn } from '../auth/plugin.js';
import { etagOf, ifNoneMatchHit } from '../lib/etag.js';
import type { Post } from './representation.js';
import type { ListQuery, PostInput, PostService } from './service.js';

type IdParams = { id: string };
type IfMatchHeaders = { 'if-match'?: string };

/** Thin handlers: requests are validated against openapi.yaml; ownership by the shared check. */
export async function postRoutes(app: FastifyInstance, { service }: { service: PostService }) {
  const sendCreated = (reply: FastifyReply, { post, created }: { post: Post; created: boolean }) =>
    reply
      .code(created ? 201 : 200)
      .header('etag', etagOf(post.version))
      .header('location', `/api/v1/posts/${post.id}`)
      .send(post);

  app.openapi.route(app, 'createPost', async (request, reply) => sendCreated(reply, await service.create(signedIn(request), request.body as PostInput)));

  // The earlier post-statistics API's way of creating a post: same rules, other field names.
  app.openapi.route(app, 'createPostDeprecated', async (request, reply) => {
    const { post_id: id, content } = request.body as { post_id: string; content: string };
    reply.header('deprecation', 'true').header('link', '</api/v1/posts>; rel="successor-version"');
    return sendCreated(reply, await service.create(signedIn(request), { id, content }));
  });

  // The page leaves PostgreSQL as the response's JSON (see listPostsJson): sent as it is.
  app.openapi.route(app, 'listPosts', async (request, reply) =>
    reply.type('application/json; charset=utf-8').send(await service.listJson(request.query as ListQuery)),
  );

  app.openapi.route(app, 'getPost', async (request, reply) => {
    const post = await service.get((request.params as IdParams).id);
    reply.header('etag', etagOf(post.version));
    if (ifNoneMatchHit(request.headers['if-none-match'], post.version)) return reply.code(304).send();
    return post;
  });

  app.openapi.route(
    app,
    'updatePost',
    async (request, reply) => {
      const post = await service.update((request.params as IdParams).id, request.body as { title?: string; content?: string }, (request.headers as IfMatchHeaders)['if-match']);
      return reply.header('etag', etagOf(post.version)).send(post);
    },
    { preHandler: app.auth.requireOwner('post') },
  );

  app.openapi.route(
    app,
    'deletePost',
    async (request, reply) => {
      await service.remove((request.params as IdParams).id, (request.headers as IfMatchHeaders)['if-match']);
      return reply.code(204).send();
    },
    { preHandler: app.auth.requireOwner('post') },
  );

  app.openapi.route(app, 'addComment', async (request, reply) => {
    const comment = await service.addComment(signedIn(request), (request.params as IdParams).id, (request.body as { content: string }).content);
    return reply.code(201).send(comment);
  });

  app.openapi.route(app, 'listComments', async (request) =>
    service.listComments((request.params as IdParams).id, request.query as { limit?: number; cursor?: string }),
  );

  app.openapi.route(
    app,
    'deleteComment',
    async (request, reply) => {
      const { id, commentId } = request.params as { id: string; commentId: string };
      await service.deleteComment(signedIn(request), id, commentId);
      return reply.code(204).send();
    },
    { preHandler: app.auth.requireOwner('comment', { param: 'commentId' }) },
  );
}
