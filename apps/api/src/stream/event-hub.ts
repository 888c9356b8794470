import { randomUUID } from 'node:crypto';
import { parseEvent, type HeraldEvent } from '@herald/event-schemas';
import type { EventConsumer, EventTransport } from '@herald/event-transport';
import { RingBuffer } from '../lib/ring-buffer.js';

export interface HubLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const YIELD_EVERY = 50;

/** Receives every event the hub sees, in the order it sees them. */
export type HubListener = (event: HeraldEvent) => void;

export interface EventHub {
  start(): Promise<void>;
  /** Registers a listener and returns, in the same tick, the recent events it would otherwise miss. */
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

/**
 * One subscription per API instance, fanned out to every SSE client of that instance: with N
 * instances, each has its own consumer group, so every client sees every event whichever
 * instance it is connected to. Keeps a ring of recent events so a client that reconnects to the
 * same instance resumes exactly where it left off.
 */
export function createEventHub(options: EventHubOptions): EventHub {
  const listeners = new Set<HubListener>();
  const recent = new RingBuffer<HeraldEvent>(options.recentCapacity);
  let consumer: EventConsumer | undefined;
  let sinceYield = 0;

  function receive(event: HeraldEvent) {
    recent.push(event);
    for (const listener of listeners) listener(event);
  }

  return {
    async start() {
      consumer = options.transport.createConsumer({
        groupId: `${options.groupPrefix}herald-sse-${randomUUID()}`,
        topics: options.topics,
        // Live stream: what happened before this instance started is served from the event log.
        fromBeginning: false,
      });
      await consumer.run(async (record) => {
        const parsed = parseEvent(record.value);
        if (!parsed.valid) {
          options.log.warn({ topic: record.topic, offset: record.offset, issues: parsed.issues }, 'stream: skipped an invalid event');
          return;
        }
        receive(parsed.event);
        // A backlog arrives as a burst of records; yielding now and then lets sockets flush
        // between them, so a client that keeps up is not mistaken for a slow one.
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    },
    attach(listener) {
      listeners.add(listener);
      return { recent: recent.toArray(), detach: () => listeners.delete(listener) };
    },
    listenerCount: () => listeners.size,
    async stop() {
      listeners.clear();
      await consumer?.stop();
    },
  };
}
