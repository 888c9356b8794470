import t from 'tap';
import type { HeraldEvent } from '../src/api/types.js';
import { createEventStream, streamUrl, type ConnectionStatus, type EventSourceLike } from '../src/stream/event-stream.js';
import { lowStockWarning, stockAdjusted } from './helpers/events.js';
import { createFakeTimers } from './helpers/fake-timers.js';

/** Plays the browser's EventSource: the test opens it, sends messages and fails it. */
class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((event: Event) => unknown) | null = null;
  onerror: ((event: Event) => unknown) | null = null;
  closed = false;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  send(name: string, data: string, id = ''): void {
    for (const listener of this.listeners.get(name) ?? []) listener({ data, lastEventId: id } as MessageEvent<string>);
  }
  sendEvent(event: HeraldEvent): void {
    this.send(event.type, JSON.stringify(event), event.id);
  }
  /** A dropped connection the browser retries by itself (readyState CONNECTING). */
  drop(): void {
    this.readyState = 0;
    this.onerror?.(new Event('error'));
  }
  /** A failure the browser gives up on (readyState CLOSED), e.g. a 503. */
  fail(): void {
    this.readyState = 2;
    this.onerror?.(new Event('error'));
  }
}

const EVENT_NAMES = ['ProductCreated', 'ProductUpdated', 'ProductDeleted', 'StockAdjusted', 'LowStockWarning'];
const backoff = { initialMs: 500, maxMs: 8000, factor: 2, jitter: 0 };

function setup(options: { types?: string[]; streamTicket?: () => Promise<string> } = {}) {
  const sources: FakeEventSource[] = [];
  const received: HeraldEvent[] = [];
  const statuses: ConnectionStatus[] = [];
  const resyncs: number[] = [];
  const timers = createFakeTimers();
  const stream = createEventStream({
    url: '/api/v1/events/stream',
    eventNames: EVENT_NAMES,
    ...options,
    onEvent: (event) => received.push(event),
    onStatus: (status) => statuses.push(status),
    onResync: () => resyncs.push(received.length),
    createEventSource: (url) => {
      const source = new FakeEventSource(url);
      sources.push(source);
      return source;
    },
    timers,
    backoff,
  });
  return { stream, sources, received, statuses, resyncs, timers, current: () => sources.at(-1)! };
}

t.test('streamUrl adds the type filter and the id to resume after', async (t) => {
  t.equal(streamUrl('/s', undefined, undefined), '/s');
  t.equal(streamUrl('/s', ['A', 'B'], undefined), '/s?types=A%2CB');
  t.equal(streamUrl('/s', [], 'abc'), '/s?last_event_id=abc');
  t.equal(streamUrl('/s?x=1', ['A'], 'abc'), '/s?x=1&types=A&last_event_id=abc');
  t.equal(streamUrl('/s', ['A'], 'abc', 'tk'), '/s?ticket=tk&types=A&last_event_id=abc');
});

t.test('connects without a resume id, and reads connected once open', async (t) => {
  const { stream, sources, statuses, current } = setup();
  t.equal(sources.length, 1);
  t.equal(current().url, '/api/v1/events/stream');
  t.equal(stream.status, 'connecting');
  current().open();
  t.equal(stream.status, 'connected');
  t.same(statuses, ['connected']);
});

t.test('events arrive in order, each once, whatever its type name', async (t) => {
  const { received, current } = setup();
  current().open();
  const a = stockAdjusted();
  const b = lowStockWarning('SKU-1');
  current().sendEvent(a);
  current().sendEvent(b);
  current().sendEvent(a);
  t.same(received.map((e) => e.id), [a.id, b.id], 'the duplicate is dropped');
});

t.test('a message that is not an event is ignored', async (t) => {
  const { received, current } = setup();
  current().open();
  current().send('StockAdjusted', 'not json');
  current().send('StockAdjusted', '{"hello":"world"}');
  current().send('message', JSON.stringify(stockAdjusted()));
  t.equal(received.length, 1, 'only the event (an unnamed message still counts)');
});

t.test('the type filter is sent to the server', async (t) => {
  const { current } = setup({ types: ['LowStockWarning'] });
  t.equal(current().url, '/api/v1/events/stream?types=LowStockWarning');
});

t.test('after an overflow it reconnects with last_event_id, and the replay adds no duplicate', async (t) => {
  const { stream, sources, received, timers, current } = setup();
  const first = current();
  first.open();
  const a = stockAdjusted();
  first.sendEvent(a);
  first.send('overflow', '{}');
  t.equal(first.closed, true, 'the old connection is closed');
  t.equal(stream.status, 'reconnecting');
  t.same(timers.pending(), [500], 'after the first backoff delay');
  timers.advance(500);
  t.equal(sources.length, 2);
  t.equal(current().url, `/api/v1/events/stream?last_event_id=${a.id}`);
  current().open();
  const b = stockAdjusted();
  current().sendEvent(a); // overlapping replay
  current().sendEvent(b);
  t.same(received.map((e) => e.id), [a.id, b.id]);
  t.equal(stream.status, 'connected');
});

t.test('a dropped connection is left to the browser, which resumes with Last-Event-ID itself', async (t) => {
  const { stream, sources, timers, current } = setup();
  current().open();
  current().drop();
  t.equal(stream.status, 'reconnecting');
  t.equal(sources.length, 1, 'no new EventSource');
  t.same(timers.pending(), [], 'no timer of its own');
  current().open();
  t.equal(stream.status, 'connected');
});

t.test('when the browser gives up, it reconnects with growing delays and reads offline after 3 failures', async (t) => {
  const { stream, sources, statuses, timers, current } = setup();
  current().open();
  const a = stockAdjusted();
  current().sendEvent(a);
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    current().fail();
    delays.push(timers.pending()[0]!);
    timers.advance(delays.at(-1)!);
  }
  t.same(delays, [500, 1000, 2000, 4000]);
  t.equal(sources.length, 5);
  t.ok(sources.slice(1).every((s) => s.url.endsWith(`last_event_id=${a.id}`)), 'every retry resumes after the last event');
  t.same(statuses, ['connected', 'reconnecting', 'offline']);
  current().open();
  t.equal(stream.status, 'connected');
  current().fail();
  t.same(timers.pending(), [500], 'a success resets the backoff');
});

t.test('browser retries that keep failing are taken over with backoff', async (t) => {
  const { stream, sources, timers, current } = setup();
  current().open();
  current().drop();
  current().drop();
  t.equal(sources.length, 1);
  current().drop();
  t.equal(current().closed, true, 'the third failure closes it');
  t.equal(stream.status, 'offline');
  t.equal(timers.pending().length, 1);
});

t.test('reconnectNow skips the wait', async (t) => {
  const { stream, sources, timers, current } = setup();
  current().fail();
  t.equal(timers.pending().length, 1);
  stream.reconnectNow();
  t.equal(sources.length, 2);
  t.same(timers.pending(), [], 'the pending retry is cancelled');
  current().open();
  stream.reconnectNow();
  t.equal(sources.length, 2, 'nothing to do while connected');
});

t.test('close stops everything: no retry, and a late message from the old connection is ignored', async (t) => {
  const { stream, sources, received, timers, current } = setup();
  const first = current();
  first.open();
  first.send('overflow', '{}');
  stream.close();
  timers.advance(60_000);
  t.equal(sources.length, 1, 'no reconnect after close');
  first.sendEvent(stockAdjusted());
  t.equal(received.length, 0);
});

t.test('a resync from the server is passed on, after the events received before it, and the stream stays open', async (t) => {
  const { sources, received, resyncs, current } = setup();
  current().open();
  current().sendEvent(stockAdjusted());
  current().send('resync', JSON.stringify({ reason: 'last event id not found; replay unavailable' }));
  current().sendEvent(stockAdjusted());
  t.same(resyncs, [1], 'told once, after the first event');
  t.equal(received.length, 2, 'events after it keep coming');
  t.equal(sources.length, 1, 'no reconnect');
});

/** The stream with a ticket per connection; the test answers each ticket request. */
function setupWithTickets() {
  const requests: { resolve(ticket: string): void; reject(error: unknown): void }[] = [];
  const streamTicket = () => new Promise<string>((resolve, reject) => requests.push({ resolve, reject }));
  return { ...setup({ streamTicket }), requests };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

t.test('with tickets: each connection is opened with a new ticket, none before it arrives', async (t) => {
  const { sources, requests, current } = setupWithTickets();
  t.equal(requests.length, 1, 'a ticket is asked for first');
  t.equal(sources.length, 0, 'no connection without a ticket');
  requests[0]!.resolve('t-1');
  await flush();
  t.equal(current().url, '/api/v1/events/stream?ticket=t-1');
});

t.test('with tickets: a dropped connection is reopened with a new ticket and last_event_id, not left to the browser', async (t) => {
  const { stream, sources, requests, timers, current } = setupWithTickets();
  requests[0]!.resolve('t-1');
  await flush();
  const first = current();
  first.open();
  const a = stockAdjusted();
  first.sendEvent(a);
  first.drop(); // the browser would retry the same URL, with a ticket already spent
  t.equal(first.closed, true, 'the EventSource is closed');
  t.equal(stream.status, 'reconnecting');
  t.same(timers.pending(), [500]);
  timers.advance(500);
  t.equal(requests.length, 2, 'a new ticket is asked for');
  requests[1]!.resolve('t-2');
  await flush();
  t.equal(sources.length, 2);
  t.equal(current().url, `/api/v1/events/stream?ticket=t-2&last_event_id=${a.id}`);
  current().open();
  t.equal(stream.status, 'connected');
});

t.test('with tickets: a refused stream (401, 429) backs off, a new ticket each time, never in a tight loop', async (t) => {
  const { stream, sources, requests, timers, current } = setupWithTickets();
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    requests.at(-1)!.resolve(`t-${i}`);
    await flush();
    current().fail(); // what the browser reports for a non-200 answer
    delays.push(timers.pending()[0]!);
    timers.advance(delays.at(-1)!);
  }
  t.same(delays, [500, 1000, 2000, 4000], 'growing delays');
  t.equal(requests.length, 5, 'one ticket per attempt');
  t.equal(new Set(sources.map((s) => s.url)).size, 4, 'no ticket used twice');
  t.equal(stream.status, 'offline');
});

t.test('with tickets: a refused ticket request backs off, at least as long as its Retry-After', async (t) => {
  const { stream, sources, requests, timers } = setupWithTickets();
  requests[0]!.reject(Object.assign(new Error('POST /api/v1/events/stream-tickets: 429'), { retryAfterSeconds: 10 }));
  await flush();
  t.equal(stream.status, 'reconnecting');
  t.same(timers.pending(), [10_000], 'Retry-After rather than the 500 ms backoff');
  timers.advance(10_000);
  requests[1]!.reject(new Error('POST /api/v1/events/stream-tickets: 401'));
  await flush();
  t.same(timers.pending(), [1000], 'then the backoff goes on growing');
  t.equal(sources.length, 0, 'no connection was tried without a ticket');
});

t.test('with tickets: a ticket that arrives after close, or after a newer attempt, is not used', async (t) => {
  const late = setupWithTickets();
  late.stream.close();
  late.requests[0]!.resolve('t-late');
  await flush();
  t.equal(late.sources.length, 0, 'nothing opened after close');

  const twice = setupWithTickets();
  twice.stream.reconnectNow(); // e.g. the browser came back online while the first ticket was on its way
  twice.requests[1]!.resolve('t-new');
  twice.requests[0]!.resolve('t-old');
  await flush();
  t.same(twice.sources.map((s) => s.url), ['/api/v1/events/stream?ticket=t-new'], 'only the newest attempt connects');
});
