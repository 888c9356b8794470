import { isEventType } from '@herald/event-schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { HttpProblem } from '../errors.js';
import { registerStreamMetrics } from '../plugins/metrics.js';
import type { EventHub } from './event-hub.js';
import { createOpenStreams } from './open-streams.js';
import { openEventStream, STREAM_HEADERS, type ReplaySource, type StreamSettings } from './sse-stream.js';
import { createStreamStats, type StreamStats } from './stream-stats.js';
import type { StreamTickets } from './tickets.js';
import { visibilityFilter } from './visibility.js';

export interface StreamRoutesOptions {
  hub: EventHub;
  replaySource: ReplaySource | undefined;
  settings: StreamSettings;
  tickets: StreamTickets;
  /** Streams one user may hold open on this instance at a time. */
  maxStreamsPerUser: number;
  /** Where the streams count what they do; default a new one. */
  stats?: StreamStats;
}

/** Seconds a client over its stream limit is told to wait before it tries again. */
const RETRY_AFTER_SECONDS = 5;

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

/** The principal the contract's security requirement established for this request. */
function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem('HERALD_UNAUTHORIZED', 'authentication required');
  return request.principal;
}

/**
 * `GET /api/v1/events/stream` and `POST /api/v1/events/stream-tickets`. A stream is opened with a
 * bearer token, or with a stream ticket in the query (the `streamTicket` scheme) where the client
 * cannot send headers, as a browser's EventSource cannot. Each stream carries only what its
 * principal may see (`visibility.ts`), and a user holds at most `maxStreamsPerUser` of them.
 * With the metrics plugin registered, the stream's figures are on `/metrics`.
 */
export async function streamRoutes(app: FastifyInstance, { hub, replaySource, settings, tickets, ...options }: StreamRoutesOptions) {
  const stats = options.stats ?? createStreamStats();
  const openStreams = createOpenStreams(options.maxStreamsPerUser);
  // A HEAD opens no stream, so it leaves the ticket for the GET that will.
  app.auth.registerScheme('streamTicket', async (request) => {
    const { ticket } = request.query as { ticket?: unknown };
    if (typeof ticket !== 'string') return null;
    return request.method === 'HEAD' ? tickets.peek(ticket) : tickets.redeem(ticket);
  });

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

  app.openapi.route(app, 'createStreamTicket', async (request, reply) => {
    const { ticket, expiresIn } = await tickets.issue(principalOf(request));
    return reply.code(201).header('cache-control', 'no-store').send({ ticket, expires_in: expiresIn });
  });

  app.openapi.route(app, 'streamEvents', async (request, reply) => {
    const principal = principalOf(request);
    const query = request.query as { types?: string; last_event_id?: string };
    const types = parseTypes(query.types);
    // What a GET would answer, without the stream (Fastify serves HEAD with the GET's handler).
    if (request.method === 'HEAD') return reply.code(200).headers(STREAM_HEADERS).send();
    const release = openStreams.acquire(principal.userId);
    if (!release) {
      throw new HttpProblem(
        'HERALD_TOO_MANY_STREAMS',
        `a user may hold at most ${options.maxStreamsPerUser} event streams open at once; close one, then try again`,
        [],
        { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
      );
    }
    const lastEventId = (request.headers['last-event-id'] as string | undefined) ?? query.last_event_id;
    const visible = visibilityFilter(principal);
    try {
      await openEventStream({ request, reply, hub, replaySource, types, visible, lastEventId, settings, stats, track, onClose: release });
    } catch (error) {
      release();
      throw error;
    }
  });
}
