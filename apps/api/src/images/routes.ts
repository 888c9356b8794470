import type { FastifyInstance } from 'fastify';
import { isTransientS3Error } from '@herald/notifier';
import { HttpProblem, notFound } from '../errors.js';
import { etagOf } from '../lib/etag.js';
import * as posts from '../posts/repository.js';
import { invalidFields } from '../posts/service.js';
import { toPost } from '../posts/representation.js';
import type { Pool } from '../db/pool.js';
import type { ImageDeclaration, ImageService } from './service.js';

type IdParams = { id: string };

/** Storage away is a 503 to retry, not a server fault. */
async function storageCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isTransientS3Error(error)) throw error;
    throw new HttpProblem('HERALD_UNAVAILABLE', 'object storage does not answer; try again shortly', [], { cause: error, headers: { 'retry-after': '5' } });
  }
}

/** The image endpoints of a post: its author only (the shared ownership check of posts). */
export async function imageRoutes(app: FastifyInstance, { images: given, pool }: { images: ImageService | undefined; pool: Pool }) {
  const author = { preHandler: app.auth.requireOwner('post') };
  // Without object storage no post can have an image (declaring one is refused): none is found.
  const noStorage = (postId: string) => {
    throw notFound('image of post', postId);
  };
  const images: ImageService = given ?? {
    ...({} as ImageService),
    startMultipart: noStorage,
    parts: noStorage,
    complete: noStorage,
    remove: noStorage,
    replace: () => {
      throw invalidFields([{ in: 'body', field: 'content_type', message: 'image uploads are not available on this server' }]);
    },
  };

  app.openapi.route(
    app,
    'replacePostImage',
    async (request, reply) => {
      const { id } = request.params as IdParams;
      const { row: image, created } = await images.replace(id, request.body as ImageDeclaration);
      const upload = await images.uploadFor(image);
      const row = await posts.findPost(pool, id);
      if (!row) throw notFound('post', id);
      // A declared image is pending until its upload has been checked.
      const post = { ...toPost(row), image: { status: 'pending' as const }, ...(upload ? { upload } : {}) };
      return reply.code(created ? 201 : 200).header('etag', etagOf(row.version)).send(post);
    },
    author,
  );

  app.openapi.route(
    app,
    'removePostImage',
    async (request, reply) => {
      await images.remove((request.params as IdParams).id);
      return reply.code(204).send();
    },
    author,
  );

  app.openapi.route(
    app,
    'startImageMultipart',
    async (request, reply) => {
      const body = (request.body ?? {}) as { part_size_bytes?: number };
      return reply.code(201).send(await storageCall(() => images.startMultipart((request.params as IdParams).id, body.part_size_bytes)));
    },
    author,
  );

  app.openapi.route(app, 'listImageParts', async (request) => storageCall(() => images.parts((request.params as IdParams).id)), author);

  app.openapi.route(
    app,
    'completeImageUpload',
    async (request, reply) => {
      const { id } = request.params as IdParams;
      await storageCall(() => images.complete(id));
      const row = await posts.findPost(pool, id);
      if (!row) throw notFound('post', id);
      const image = (await images.imagesOf([id])).get(id);
      return reply.code(202).header('etag', etagOf(row.version)).send({ ...toPost(row), ...(image ? { image } : {}) });
    },
    author,
  );
}
