import type { FastifyInstance } from 'fastify';
import type { components, operations } from '../openapi/contract.generated.js';
import { etagOf, ifNoneMatchHit } from '../lib/etag.js';
import type { ProductService } from './service.js';

type Params = { id: string };
type ListQuery = NonNullable<operations['listProducts']['parameters']['query']>;
type IfMatchHeaders = { 'if-match'?: string };

/** Thin handlers: the request is already validated against openapi.yaml; the service does the work. */
export async function productRoutes(app: FastifyInstance, { service }: { service: ProductService }) {
  app.openapi.route(app, 'createProduct', async (request, reply) => {
    const product = await service.create(request.body as components['schemas']['ProductCreate']);
    return reply
      .code(201)
      .header('etag', etagOf(product.version))
      .header('location', `/api/v1/products/${product.id}`)
      .send(product);
  });

  app.openapi.route(app, 'listProducts', async (request) => service.list(request.query as ListQuery));

  app.openapi.route(app, 'getProduct', async (request, reply) => {
    const product = await service.get((request.params as Params).id);
    reply.header('etag', etagOf(product.version));
    if (ifNoneMatchHit(request.headers['if-none-match'], product.version)) return reply.code(304).send();
    return product;
  });

  app.openapi.route(app, 'updateProduct', async (request, reply) => {
    const product = await service.update(
      (request.params as Params).id,
      request.body as components['schemas']['ProductUpdate'],
      (request.headers as IfMatchHeaders)['if-match'],
    );
    return reply.header('etag', etagOf(product.version)).send(product);
  });

  app.openapi.route(app, 'deleteProduct', async (request, reply) => {
    await service.remove((request.params as Params).id, (request.headers as IfMatchHeaders)['if-match']);
    return reply.code(204).send();
  });

  app.openapi.route(app, 'adjustStock', async (request, reply) => {
    const { adjustment, created } = await service.adjustStock(
      (request.params as Params).id,
      request.body as components['schemas']['StockAdjustmentCreate'],
    );
    return reply.code(created ? 201 : 200).header('etag', etagOf(adjustment.product.version)).send(adjustment);
  });
}
