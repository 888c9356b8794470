import { randomUUID } from 'node:crypto';
import { parseEvent, type HeraldEvent } from '@herald/event-schemas';
import type { EventConsumer, EventTransport } from '@herald/event-transport';
import { RingBuffer } from '../lib/ring-buffer.js';

export interface HubLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const YIELD_EVERY = 50;
/** How long the hub's consumer lets records gather before a fetch returns (Kafka only). */
const LIVE_LINGER_MS = 50;

/** Receives every event the hub sees, in the order it sees them. */
export type HubListener = (event: HeraldEvent) => void;

export interface EventHub {
  start(): Promise<void>;
  /**
   * Registers a listener and returns, in the same tick, the recent events it would otherwise miss
   * (checked when first read: a client that does not resume never pays for them).
   */
  attach(listener: HubListener): { recent: readonly HeraldEvent[]; detach(): void };
  listenerCount(): number;
  stop(): Promise<void>;
}

export interface EventHubOptions {
  transport: EventTransport;
  topics: string[];
  /** Consumer group prefix; each API instance gets a group of its own so it sees every event. */
  groupPrefix: string;
  /** How many recent events are kept for exact resumption on this instance. */
  recentCapacity: number;
  log: HubLogger;
}

/** A record the hub kept: its value as received, and the event once it was checked. */
interface RecentRecord {
  topic: string;
  offset: string;
  value: string;
  /** Undefined until checked; null when it was not a valid event. */
  event?: HeraldEvent | null;
}

/**
 * One subscription per API instance, fanned out to every SSE client of that instance: with N
 * instances, each has its own consumer group, so every client sees every event whichever
 * instance it is connected to. Keeps a ring of recent events so a client that reconnects to the
 * same instance resumes exactly where it left off.
 *
 * Records are checked against the event schemas when someone is listening; with no client
 * connected (most of the time, for most instances) they are only kept, and checked when a client
 * resuming from a recent event reads them (each record once; at most SSE_RECENT_EVENTS of them).
 * Under write load that saves the API's loop a schema validation per event nobody would read.
 */
export function createEventHub(options: EventHubOptions): EventHub {
  const listeners = new Set<HubListener>();
  const recent = new RingBuffer<RecentRecord>(options.recentCapacity);
  let consumer: EventConsumer | undefined;
  let sinceYield = 0;

  /** The record's event, checked once; an invalid one is logged once and skipped from then on. */
  function eventOf(record: RecentRecord): HeraldEvent | null {
    if (record.event !== undefined) return record.event;
    const parsed = parseEvent(record.value);
    if (!parsed.valid) {
      options.log.warn({ topic: record.topic, offset: record.offset, issues: parsed.issues }, 'stream: skipped an invalid event');
    }
    record.event = parsed.valid ? parsed.event : null;
    return record.event;
  }

  function receive(record: RecentRecord) {
    recent.push(record);
    if (listeners.size === 0) return;
    const event = eventOf(record);
    if (event) for (const listener of listeners) listener(event);
  }

  return {
    async start() {
      consumer = options.transport.createConsumer({
        groupId: `${options.groupPrefix}herald-sse-${randomUUID()}`,
        topics: options.topics,
        // Live stream: what happened before this instance started is served from the event log.
        fromBeginning: false,
        // A group of this instance's own that never resumes: committing would only cost a request
        // per batch and leave offsets behind in the broker.
        commitOffsets: false,
        // On Kafka, fetch once per linger instead of in a tight loop under load (kafkajs took 8 % of
        // the API's loop in a profile of writes on Kafka); 50 ms later on a dashboard goes unnoticed.
        lingerMs: LIVE_LINGER_MS,
      });
      await consumer.runBatches(async ({ topic, records }) => {
        for (const { offset, value } of records) {
          receive({ topic, offset, value });
          // A backlog arrives as a burst of records; yielding now and then lets sockets flush
          // between them, so a client that keeps up is not mistaken for a slow one.
          if (++sinceYield >= YIELD_EVERY) {
            sinceYield = 0;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      });
    },
    attach(listener) {
      listeners.add(listener);
      // The ring as of now; its records are checked only if the client reads them (a resume).
      const snapshot = recent.toArray();
      let events: HeraldEvent[] | undefined;
      return {
        get recent() {
          if (events === undefined) {
            events = [];
            for (const record of snapshot) {
              const event = eventOf(record);
              if (event) events.push(event);
            }
          }
          return events;
        },
        detach: () => listeners.delete(listener),
      };
    },
    listenerCount: () => listeners.size,
    async stop() {
      listeners.clear();
      await consumer?.stop();
    },
  };
}
