/**
 * The life of one live connection to GET /api/v1/events/stream, without React.
 *
 * - The browser's EventSource reconnects by itself after a dropped connection and sends
 *   Last-Event-ID then, so a short blip is left to it (status `reconnecting`).
 * - When the EventSource gives up (readyState CLOSED: an HTTP error, a wrong content type), when
 *   it keeps failing, or when the server ends the stream with `event: overflow`, this closes it
 *   and opens a new one after a backoff delay, passing `?last_event_id=` so the server replays
 *   what was missed.
 * - Replays can overlap what was already received: events are deduplicated by id.
 * - When the server cannot place the id it was given (`event: resync`), events were missed:
 *   `onResync` tells the page to reload what it derives from them.
 * - With `streamTicket` (the browser's way to authenticate: EventSource cannot send an
 *   Authorization header), every connection is opened with a new single-use ticket. The
 *   browser's own retry would present a used ticket, so every error closes the EventSource and a
 *   new one is opened after a backoff delay, with a new ticket and `?last_event_id=` (a new
 *   EventSource does not send Last-Event-ID). A refused ticket request (401, 429 with
 *   Retry-After, network) backs off the same way, never in a tight loop.
 */
import type { HeraldEvent } from '../api/types.js';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.js';
import { createSeenIds } from './seen-ids.js';
import { realTimers, type Timers } from './timers.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The part of the browser's EventSource this uses (so tests can pass a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

const EVENT_SOURCE_CLOSED = 2;

export interface EventStreamOptions {
  /** Path or URL of the stream endpoint. */
  url: string;
  /** SSE event names to listen to: the event types (the server names each message after its type). */
  eventNames: readonly string[];
  /** Only these types from the server (`?types=`); default all. */
  types?: readonly string[];
  onEvent(event: HeraldEvent): void;
  onStatus(status: ConnectionStatus): void;
  /** The server could not resume after the last event received: some events were missed. */
  onResync?(): void;
  createEventSource?: (url: string) => EventSourceLike;
  timers?: Timers;
  backoff?: BackoffOptions;
  random?: () => number;
  /** How many event ids to remember for deduplication. */
  dedupeCapacity?: number;
  /** Consecutive failures after which the status reads `offline` rather than `reconnecting`. */
  offlineAfterFailures?: number;
  /**
   * Gets a single-use ticket for the next connection, sent as `?ticket=`. A rejection may carry
   * `retryAfterSeconds` (a 429's Retry-After): the next attempt waits at least that long.
   */
  streamTicket?: () => Promise<string>;
}

export interface EventStream {
  readonly status: ConnectionStatus;
  /** Id of the last event received, sent back as last_event_id when reconnecting. */
  readonly lastEventId: string | undefined;
  /** Reconnect at once (e.g. when the browser comes back online) unless connected. */
  reconnectNow(): void;
  close(): void;
}

/** Stream URL with the ticket, the type filter and, when resuming, the id to resume after. */
export function streamUrl(base: string, types: readonly string[] | undefined, lastEventId: string | undefined, ticket?: string): string {
  const query = new URLSearchParams();
  if (ticket) query.set('ticket', ticket);
  if (types && types.length > 0) query.set('types', types.join(','));
  if (lastEventId) query.set('last_event_id', lastEventId);
  const search = query.toString();
  if (!search) return base;
  return `${base}${base.includes('?') ? '&' : '?'}${search}`;
}

function parseEvent(data: string): HeraldEvent | undefined {
  try {
    const value = JSON.parse(data) as Partial<HeraldEvent> | null;
    if (value && typeof value.id === 'string' && typeof value.type === 'string' && typeof value.time === 'string') {
      return value as HeraldEvent;
    }
  } catch {
    // not JSON: ignored, like any message the dashboard does not understand
  }
  return undefined;
}

/** The wait a failed ticket request asks for (an ApiError's retryAfterSeconds), in ms. */
function retryAfterMs(error: unknown): number {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : 0;
}

export function createEventStream(options: EventStreamOptions): EventStream {
  const timers = options.timers ?? realTimers;
  const backoff = options.backoff ?? defaultBackoff;
  const offlineAfter = options.offlineAfterFailures ?? 3;
  const createEventSource = options.createEventSource ?? ((url: string) => new EventSource(url));
  const seen = createSeenIds(options.dedupeCapacity ?? 5000);

  let status: ConnectionStatus = 'connecting';
  let source: EventSourceLike | undefined;
  let retryTimer: unknown;
  let attempt = 0; // reconnects scheduled since the last successful open, for the backoff
  let failures = 0; // errors since the last successful open, for the status
  let lastEventId: string | undefined;
  let closed = false;
  let opening = 0; // counts open() calls, so a ticket that arrives after a newer open() (or close) is dropped

  function setStatus(next: ConnectionStatus): void {
    if (next === status) return;
    status = next;
    options.onStatus(next);
  }

  function receive(message: MessageEvent<string>): void {
    const event = parseEvent(message.data);
    if (!event) return;
    lastEventId = event.id;
    if (seen.add(event.id)) options.onEvent(event);
  }

  function open(): void {
    retryTimer = undefined;
    const { streamTicket } = options;
    if (!streamTicket) {
      connect(undefined);
      return;
    }
    const attemptId = ++opening;
    streamTicket().then(
      (ticket) => {
        if (!closed && attemptId === opening) connect(ticket);
      },
      (error: unknown) => {
        if (closed || attemptId !== opening) return;
        failures++;
        scheduleReconnect(retryAfterMs(error));
      },
    );
  }

  function connect(ticket: string | undefined): void {
    const es = createEventSource(streamUrl(options.url, options.types, lastEventId, ticket));
    source = es;
    es.onopen = () => {
      if (es !== source) return;
      attempt = 0;
      failures = 0;
      setStatus('connected');
    };
    es.onerror = () => {
      if (es !== source) return;
      failures++;
      // A ticket is single use: the browser's own retry with the same URL could only be refused.
      if (ticket !== undefined || es.readyState === EVENT_SOURCE_CLOSED || failures >= offlineAfter) {
        scheduleReconnect(); // the browser gave up, or its own retries keep failing
      } else {
        setStatus('reconnecting'); // the browser retries by itself, with Last-Event-ID
      }
    };
    const onMessage = (message: MessageEvent<string>) => {
      if (es === source) receive(message);
    };
    for (const name of new Set([...options.eventNames, 'message'])) es.addEventListener(name, onMessage);
    es.addEventListener('overflow', () => {
      if (es === source) scheduleReconnect(); // the server dropped us for reading too slowly
    });
    es.addEventListener('resync', () => {
      if (es === source) options.onResync?.();
    });
  }

  function scheduleReconnect(atLeastMs = 0): void {
    source?.close();
    source = undefined;
    if (closed) return;
    setStatus(failures >= offlineAfter ? 'offline' : 'reconnecting');
    const delay = Math.max(backoffDelay(attempt++, backoff, options.random), atLeastMs);
    retryTimer = timers.setTimeout(open, delay);
  }

  open();

  return {
    get status() {
      return status;
    },
    get lastEventId() {
      return lastEventId;
    },
    reconnectNow() {
      if (closed || status === 'connected') return;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      source?.close();
      source = undefined;
      open();
    },
    close() {
      closed = true;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      retryTimer = undefined;
      source?.close();
      source = undefined;
    },
  };
}
