import type { HeraldEvent } from '@herald/event-schemas';
import { productCreatedAt } from '@herald/stack';
import Fastify from 'fastify';
import t from 'tap';
import type { EventHub, HubListener } from '../../src/stream/event-hub.js';
import { openEventStream, type ReplaySource, type StreamSettings } from '../../src/stream/sse-stream.js';
import { createStreamStats, type StreamStats } from '../../src/stream/stream-stats.js';
import { openSse, type SseMessage } from '../helpers/sse-client.js';

/**
 * The seam between a resume's replay and the live events: whatever arrives live while the replay
 * is still being written is held back, then sent minus what the replay already sent. These tests
 * serve one stream from `openEventStream` with a hub and a replay source they drive, so live
 * events arrive at chosen moments of the replay.
 */

const settings: StreamSettings = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 1_048_576,
  slowClientGraceMs: 2_000,
  maxPendingEvents: 10_000,
  replayPageSize: 4,
  replayMaxEvents: 50_000,
};

/** Events with time-ordered ids (UUIDv7), oldest first, as the API gives them. */
function eventsFrom(start: number, count: number): HeraldEvent[] {
  return Array.from({ length: count }, (_, i) => productCreatedAt(new Date(start + i)));
}

/** A hub whose live events are delivered by the test. */
function createTestHub(recent: HeraldEvent[], onAttach: () => void = () => {}) {
  const listeners = new Set<HubListener>();
  const hub: EventHub = {
    start: async () => {},
    attach(listener) {
      listeners.add(listener);
      onAttach();
      return { recent: recent.slice(), detach: () => listeners.delete(listener) };
    },
    listenerCount: () => listeners.size,
    stop: async () => listeners.clear(),
  };
  return {
    hub,
    deliver(events: HeraldEvent[]) {
      for (const event of events) for (const listener of [...listeners]) listener(event);
    },
  };
}

async function serveStream(
  t: { teardown(fn: () => unknown): void },
  options: { hub: EventHub; replaySource?: ReplaySource; settings?: Partial<StreamSettings> },
): Promise<{ url: string; stats: StreamStats }> {
  const app = Fastify();
  const stats = createStreamStats();
  const open = new Set<() => void>();
  app.get('/stream', async (request, reply) => {
    await openEventStream({
      request,
      reply,
      hub: options.hub,
      replaySource: options.replaySource,
      types: undefined,
      lastEventId: request.headers['last-event-id'] as string | undefined,
      settings: { ...settings, ...options.settings },
      stats,
      track: (close) => {
        open.add(close);
        return () => open.delete(close);
      },
    });
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    for (const close of [...open]) close();
    await app.close();
  });
  return { url: `${address}/stream`, stats };
}

const ids = (messages: SseMessage[]) => messages.filter((m) => m.id).map((m) => m.id!);

t.test('an event replayed from the ring that also arrives live during the replay reaches the client once, in order', async (t) => {
  const ring = eventsFrom(Date.parse('2026-01-01T00:00:00Z'), 20);
  const later = eventsFrom(Date.parse('2026-01-01T00:01:00Z'), 3);
  // The hub delivers on the next turn of the event loop after the client attached. The replay of
  // 19 events goes out in pages of 4 with a pause between pages, so it is then mid-way: the live
  // delivery, a redelivery of ring events (at least once, as after a broker rebalance) followed by
  // new events, lands in the middle of it.
  let deliveredDuringReplay: boolean | undefined;
  const { hub, deliver } = createTestHub(ring, () =>
    setImmediate(() => {
      deliveredDuringReplay = stats.eventsDelivered < 19;
      deliver([...ring.slice(10, 16), ...later]);
    }),
  );
  const { url, stats } = await serveStream(t, { hub });

  const client = openSse(url, { 'last-event-id': ring[0]!.id });
  t.teardown(() => client.close());
  const expected = [...ring.slice(1), ...later].map((e) => e.id);
  await client.waitFor((m) => ids(m).length >= expected.length);
  await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show up

  t.equal(deliveredDuringReplay, true, 'the live events arrived while the replay was being written');
  t.same(ids(client.messages), expected, 'every event once, replay first, then the new live events');
  t.equal(stats.resumes.ring, 1, 'counted as a resume from the ring');
});

t.test('an event read from the log that also arrives live while the log is read reaches the client once, in order', async (t) => {
  const log = eventsFrom(Date.parse('2026-01-01T00:00:00Z'), 12);
  const [lastSeen, ...missed] = log;
  const later = eventsFrom(Date.parse('2026-01-01T00:01:00Z'), 2);
  // The log is read in pages; the second page waits until the test has delivered live events:
  // the last events of the log (the notifier logged them before the hub got them) and new ones.
  let releaseSecondPage!: () => void;
  const secondPageAsked = new Promise<void>((resolve) => (releaseSecondPage = resolve));
  let liveDelivered!: () => void;
  const liveDone = new Promise<void>((resolve) => (liveDelivered = resolve));
  const pagesRead: string[] = [];
  const replaySource: ReplaySource = {
    async after(eventId, { limit }) {
      pagesRead.push(eventId);
      const from = log.findIndex((e) => e.id === eventId);
      if (from < 0) return undefined;
      if (pagesRead.length === 2) {
        releaseSecondPage();
        await liveDone;
      }
      return log.slice(from + 1, from + 1 + limit);
    },
  };
  // The ring does not hold the client's last event: the resume is served from the log.
  const { hub, deliver } = createTestHub([]);
  const { url, stats } = await serveStream(t, { hub, replaySource });

  const client = openSse(url, { 'last-event-id': lastSeen!.id });
  t.teardown(() => client.close());
  await secondPageAsked;
  deliver([...log.slice(8), ...later]);
  liveDelivered();

  const expected = [...missed, ...later].map((e) => e.id);
  await client.waitFor((m) => ids(m).length >= expected.length);
  await new Promise((resolve) => setTimeout(resolve, 200));

  t.ok(pagesRead.length >= 3, `the log was read in pages (${pagesRead.length})`);
  t.same(ids(client.messages), expected, 'every event once, the log first, then the new live events');
  t.equal(stats.resumes.log, 1, 'counted as a resume from the log');
});

t.test('a client resuming far back in a large ring gets the whole replay instead of being cut off as slow', async (t) => {
  // 4000 events of about 2.5 kB: 10 MB, far more than a socket buffer and forty times the limit.
  const ring = Array.from({ length: 4000 }, (_, i) => {
    const event = productCreatedAt(new Date(Date.parse('2026-01-01T00:00:00Z') + i));
    (event.data as { product: { description: string } }).product.description = 'd'.repeat(2000);
    return event;
  });
  const { hub } = createTestHub(ring);
  const { url, stats } = await serveStream(t, { hub, settings: { maxBufferedBytes: 262_144, replayPageSize: 500 } });

  const client = openSse(url, { 'last-event-id': ring[0]!.id });
  t.teardown(() => client.close());
  await client.waitFor((m) => ids(m).length >= ring.length - 1 || m.some((x) => x.event === 'overflow'), 60_000);
  t.notOk(client.messages.some((m) => m.event === 'overflow'), 'no overflow');
  t.equal(ids(client.messages).length, ring.length - 1, 'every missed event');
  t.equal(stats.overflows.slowClient, 0);
});
