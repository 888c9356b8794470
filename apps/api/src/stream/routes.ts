import { isEventType } from '@herald/event-schemas';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../errors.js';
import { registerStreamMetrics } from '../plugins/metrics.js';
import type { EventHub } from './event-hub.js';
import { openEventStream, STREAM_HEADERS, type ReplaySource, type StreamSettings } from './sse-stream.js';
import { createStreamStats, type StreamStats } from './stream-stats.js';

export interface StreamRoutesOptions {
  hub: EventHub;
  replaySource: ReplaySource | undefined;
  settings: StreamSettings;
  /** Where the streams count what they do; default a new one. */
  stats?: StreamStats;
}

function parseTypes(value: string | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const types = value.split(',');
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) {
    throw new HttpProblem('HERALD_VALIDATION_FAILED', `unknown event types: ${unknown.join(', ')}`, [
      { in: 'query', field: 'types', message: `unknown event types: ${unknown.join(', ')}` },
    ]);
  }
  return new Set(types);
}

/**
 * `GET /api/v1/events/stream`. Authentication, once it exists, goes in an onRequest hook of this
 * plugin; EventSource cannot set headers, so it will accept the token as a query parameter too.
 * With the metrics plugin registered, the stream's figures are on `/metrics`.
 */
export async function streamRoutes(app: FastifyInstance, { hub, replaySource, settings, ...options }: StreamRoutesOptions) {
  const stats = options.stats ?? createStreamStats();
  if (app.hasDecorator('metrics')) registerStreamMetrics(app.metrics, () => stats);
  const open = new Set<() => void>();
  const track = (close: () => void) => {
    open.add(close);
    return () => open.delete(close);
  };
  // Streams never end on their own; close them so a shutdown is not held up by them.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.openapi.route(app, 'streamEvents', async (request, reply) => {
    const query = request.query as { types?: string; last_event_id?: string };
    const types = parseTypes(query.types);
    // What a GET would answer, without the stream (Fastify serves HEAD with the GET's handler).
    if (request.method === 'HEAD') return reply.code(200).headers(STREAM_HEADERS).send();
    const lastEventId = (request.headers['last-event-id'] as string | undefined) ?? query.last_event_id;
    await openEventStream({ request, reply, hub, replaySource, types, lastEventId, settings, stats, track });
  });
}
