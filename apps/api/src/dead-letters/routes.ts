import type { FastifyInstance } from 'fastify';
import type { components } from '../openapi/contract.generated.js';
import type { DeadLetterService } from './service.js';

/** Operator endpoints behind `npm run dead-letters`; to be restricted to operators once auth exists. */
export async function deadLetterRoutes(app: FastifyInstance, { service }: { service: DeadLetterService }) {
  app.openapi.route(app, 'listDeadLetters', async (request) => service.list((request.query as { group: string }).group));

  app.openapi.route(app, 'redriveDeadLetters', async (request) => {
    const body = request.body as components['schemas']['RedriveRequest'];
    return service.redrive(body.group, body.event_ids);
  });
}
