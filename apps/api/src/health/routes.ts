import type { FastifyInstance } from 'fastify';
import type { Pool } from '../db/pool.js';
import type { Publisher } from '../publisher/publisher.js';

async function databaseUp(pool: Pool): Promise<boolean> {
  try {
    await Promise.race([
      pool.query('SELECT 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Liveness says the process answers. Readiness needs the database and a running publisher; a
 * broker outage only degrades it, because writes still commit and their events wait in the outbox.
 */
export async function healthRoutes(app: FastifyInstance, { pool, publisher }: { pool: Pool; publisher: Publisher }) {
  app.openapi.route(app, 'getLiveness', async () => ({ status: 'ok' }));

  app.openapi.route(app, 'getReadiness', async (_request, reply) => {
    const database = (await databaseUp(pool)) ? 'up' : 'down';
    const state = publisher.state();
    const publisherUp = state.worker === 'running';
    const status =
      database === 'down' || !publisherUp ? 'unready' : state.broker === 'unreachable' ? 'degraded' : 'ready';
    return reply.code(status === 'unready' ? 503 : 200).send({
      status,
      checks: {
        database,
        publisher: {
          worker: state.worker,
          leader: state.leader,
          broker: state.broker,
          backlog: state.backlog,
          oldest_pending_seconds: state.oldestPendingSeconds,
          published_total: state.publishedTotal,
          last_error: state.lastError,
          last_error_at: state.lastErrorAt,
          last_published_at: state.lastPublishedAt,
        },
      },
    });
  });
}
