import type { HeraldEvent } from '@herald/event-schemas';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventHub } from './event-hub.js';
import type { StreamStats } from './stream-stats.js';

/** Where events older than this instance's recent ring come from (the notifier's event log). */
export interface ReplaySource {
  /** Events logged after `eventId`, in log order; undefined when the id is not in the log. */
  after(eventId: string, options: { limit: number }): Promise<HeraldEvent[] | undefined>;
}

export interface StreamSettings {
  heartbeatMs: number;
  /**
   * Bytes a client may have waiting in its socket buffer. Above it for longer than
   * `slowClientGraceMs` (or above four times it at any moment), the client is cut off.
   */
  maxBufferedBytes: number;
  slowClientGraceMs: number;
  /** Live events held back while a resume is being replayed; past it the client is cut off. */
  maxPendingEvents: number;
  /**
   * Events read from the log per request, and written to the client per turn of the event loop
   * during a replay: between pages the socket drains and live events are held back.
   */
  replayPageSize: number;
  replayMaxEvents: number;
}

export interface OpenStreamOptions {
  request: FastifyRequest;
  reply: FastifyReply;
  hub: EventHub;
  replaySource: ReplaySource | undefined;
  types: ReadonlySet<string> | undefined;
  /** Which events this client may see (live and replayed alike); default all. */
  visible?: (event: HeraldEvent) => boolean;
  lastEventId: string | undefined;
  settings: StreamSettings;
  /** Counted into: connections, deliveries, overflows and resumes. */
  stats: StreamStats;
  /** Registered so the server can end every stream when it shuts down. */
  track: (close: () => void) => () => void;
  /** Called once when the stream ends, whoever ends it. */
  onClose?: () => void;
}

/** The response headers of a stream (a HEAD gets them too). */
export const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

const frame = (event: HeraldEvent) => `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
const control = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Serves one SSE client: optional replay after Last-Event-ID, then live events, with no gap and
 * no duplicate at the seam. Live events arriving during the replay are held back and sent after
 * it, minus those the replay already sent. A client that cannot keep up (its socket buffer grows
 * past `maxBufferedBytes`) is told with a final `overflow` event and disconnected, so a slow
 * reader never makes the server hold an unbounded backlog.
 */
export async function openEventStream(options: OpenStreamOptions): Promise<void> {
  const { request, reply, hub, types, visible, settings, stats } = options;
  // Event ids are UUIDs, written in lower case; a client may send one in upper case.
  const lastEventId = options.lastEventId?.toLowerCase();
  reply.hijack();
  const res = reply.raw;
  // Headers set on the reply before (CORS, security headers) go out too: writeHead after hijack() would drop them.
  res.writeHead(200, { ...(reply.getHeaders() as Record<string, string | number | string[]>), ...STREAM_HEADERS, connection: 'keep-alive', 'x-request-id': request.id });
  // Ask EventSource to reconnect quickly; it resends the last id it saw.
  res.write('retry: 2000\n\n');
  stats.connectionsOpen += 1;
  stats.connectionsOpened += 1;

  let closed = false;
  let replaying = true;
  const pending: HeraldEvent[] = [];
  const sentDuringReplay = new Set<string>();

  const close = (final?: string) => {
    if (closed) return;
    closed = true;
    stats.connectionsOpen -= 1;
    clearInterval(heartbeat);
    subscription.detach();
    untrack();
    options.onClose?.();
    if (final) res.write(final);
    res.end();
    // A client that stopped reading never drains the final bytes; don't wait for it forever.
    setTimeout(() => res.destroy(), 5_000).unref();
  };
  const cutOff = (cause: keyof StreamStats['overflows'], data: object) => {
    if (closed) return;
    stats.overflows[cause] += 1;
    close(control('overflow', data));
  };

  let overLimitSince: number | undefined;
  const send = (event: HeraldEvent): void => {
    if (closed || (types && !types.has(event.type)) || (visible && !visible(event))) return;
    res.write(frame(event));
    stats.eventsDelivered += 1;
    const buffered = res.writableLength;
    if (buffered <= settings.maxBufferedBytes) {
      overLimitSince = undefined;
      return;
    }
    overLimitSince ??= Date.now();
    const tooLong = Date.now() - overLimitSince > settings.slowClientGraceMs;
    if (tooLong || buffered > 4 * settings.maxBufferedBytes) {
      request.log.warn({ buffered }, 'stream: client too slow, disconnecting');
      cutOff('slowClient', { reason: 'client too slow', last_event_id: event.id });
    }
  };

  const subscription = hub.attach((event) => {
    if (!replaying) return send(event);
    pending.push(event);
    if (pending.length > settings.maxPendingEvents) cutOff('replayBacklog', { reason: 'too many events during replay' });
  });
  const untrack = options.track(() => close());
  const heartbeat = setInterval(() => !closed && res.write(': heartbeat\n\n'), settings.heartbeatMs);
  res.on('close', () => close());
  // The client may have gone while the request was being authenticated: its 'close' came earlier.
  if (res.destroyed) return close();

  if (lastEventId) {
    const missed = await eventsAfter(lastEventId, subscription.recent, options);
    // Written in one go, a long replay would pile up in the socket buffer faster than any client
    // reads, and cut off a client that keeps up. So it waits for the socket to drain when the
    // buffer is full, and yields every page; live events that arrive meanwhile wait in `pending`.
    let sincePause = 0;
    for (const event of missed) {
      if (res.writableLength > settings.maxBufferedBytes || sincePause >= settings.replayPageSize) {
        sincePause = 0;
        await roomToWrite(res, settings);
      }
      if (closed) return;
      sincePause += 1;
      sentDuringReplay.add(event.id);
      send(event);
    }
    if (closed) return;
  }
  replaying = false;
  // The seam: a live event the replay already sent is not sent twice.
  for (const event of pending.splice(0)) if (!sentDuringReplay.has(event.id)) send(event);
  sentDuringReplay.clear();
}

/**
 * Resolves on the next turn of the event loop, or once the socket buffer is back under the limit
 * (at most `slowClientGraceMs` later: a client still behind then is cut off by the next write).
 */
function roomToWrite(res: FastifyReply['raw'], settings: StreamSettings): Promise<void> {
  if (res.writableLength <= settings.maxBufferedBytes || res.destroyed) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, settings.slowClientGraceMs);
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * The events a client that last saw `lastEventId` has missed. Exact when that event is in this
 * instance's recent ring (the order the client saw). Otherwise the event log is read after it, and
 * recent events newer than it (event ids are time-ordered UUIDv7) complete what the log has not
 * yet recorded.
 */
async function eventsAfter(
  lastEventId: string,
  recent: readonly HeraldEvent[],
  options: OpenStreamOptions,
): Promise<HeraldEvent[]> {
  const { replaySource, settings, reply, request, stats } = options;
  const index = recent.findIndex((event) => event.id === lastEventId || event.id.toLowerCase() === lastEventId);
  if (index >= 0) {
    stats.resumes.ring += 1;
    return recent.slice(index + 1);
  }

  const replayed: HeraldEvent[] = [];
  let cursor = lastEventId;
  let known = replaySource !== undefined;
  try {
    while (replaySource && replayed.length < settings.replayMaxEvents) {
      const page = await replaySource.after(cursor, { limit: settings.replayPageSize });
      if (page === undefined) {
        known = cursor !== lastEventId;
        break;
      }
      replayed.push(...page);
      if (page.length < settings.replayPageSize) break;
      cursor = page[page.length - 1]!.id;
    }
  } catch (error) {
    // The log being unreachable must not take the live stream down with it.
    request.log.warn({ err: error }, 'stream: event log unavailable for replay');
    known = false;
  }
  if (!known) {
    // The client's position is lost (too old, unknown, or no log): say so, so it can reload its
    // state, and carry on live. Nothing is replayed: without a position, any replay would be a
    // guess (an all-zero id would have the whole ring sent).
    stats.resumes.resync += 1;
    reply.raw.write(control('resync', { reason: 'last event id not found; replay unavailable', last_event_id: lastEventId }));
    return [];
  }
  stats.resumes.log += 1;
  const seen = new Set(replayed.map((event) => event.id));
  const newer = recent.filter((event) => event.id > lastEventId && !seen.has(event.id));
  return [...replayed, ...newer];
}
