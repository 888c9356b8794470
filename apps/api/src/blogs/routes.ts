import type { FastifyInstance } from 'fastify';
import { signedIn } from '../auth/plugin.js';
import { etagOf } from '../lib/etag.js';
import type { operations } from '../openapi/contract.generated.js';
import type { PostInput } from '../posts/service.js';
import type { BlogChange, BlogInclude, BlogInput, BlogService } from './service.js';

type IdParams = { id: string };
type IncludeQuery = { include?: BlogInclude };
type IfMatchHeaders = { 'if-match'?: string };
type ListQuery = NonNullable<operations['listBlogs']['parameters']['query']>;

/**
 * Thin handlers: requests are validated against openapi.yaml; ownership by the shared check. A
 * read answers with the version's ETag (for If-Match) but never 304: its post_count, and the
 * posts it may include, change without a new version of the blog.
 */
/** 100 posts × (1000 characters × 4 bytes + title and JSON), rounded up. */
export const CREATE_BLOG_BODY_LIMIT = 1_048_576;

export async function blogRoutes(app: FastifyInstance, { service }: { service: BlogService }) {
  app.openapi.route(
    app,
    'createBlog',
    async (request, reply) => {
      const blog = await service.create(signedIn(request), request.body as BlogInput);
      return reply.code(201).header('etag', etagOf(blog.version)).header('location', `/api/v1/blogs/${blog.id}`).send(blog);
    },
    // A blog may come with 100 posts of 1000 characters (up to 4 bytes each, and the JSON around
    // them): more than the global limit, which suits every other operation.
    { bodyLimit: CREATE_BLOG_BODY_LIMIT },
  );

  app.openapi.route(app, 'listBlogs', async (request) => service.list(request.query as ListQuery));

  app.openapi.route(app, 'getBlog', async (request, reply) => {
    const blog = await service.get((request.params as IdParams).id, (request.query as IncludeQuery).include);
    return reply.header('etag', etagOf(blog.version)).send(blog);
  });

  app.openapi.route(app, 'getBlogBySlug', async (request, reply) => {
    const blog = await service.getBySlug((request.params as { slug: string }).slug, (request.query as IncludeQuery).include);
    return reply.header('etag', etagOf(blog.version)).send(blog);
  });

  app.openapi.route(
    app,
    'updateBlog',
    async (request, reply) => {
      const blog = await service.update((request.params as IdParams).id, request.body as BlogChange, (request.headers as IfMatchHeaders)['if-match']);
      return reply.header('etag', etagOf(blog.version)).send(blog);
    },
    { preHandler: app.auth.requireOwner('blog') },
  );

  app.openapi.route(
    app,
    'deleteBlog',
    async (request, reply) => {
      await service.remove((request.params as IdParams).id, (request.headers as IfMatchHeaders)['if-match']);
      return reply.code(204).send();
    },
    { preHandler: app.auth.requireOwner('blog') },
  );

  app.openapi.route(
    app,
    'createBlogPost',
    async (request, reply) => {
      const { post, created } = await service.addPost(signedIn(request), (request.params as IdParams).id, request.body as PostInput);
      return reply
        .code(created ? 201 : 200)
        .header('etag', etagOf(post.version))
        .header('location', `/api/v1/posts/${post.id}`)
        .send(post);
    },
    { preHandler: app.auth.requireOwner('blog') },
  );
}
