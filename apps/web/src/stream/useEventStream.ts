import { useEffect, useRef, useState } from 'react';
import { EVENT_TYPES, type HeraldEvent } from '../api/types.js';
import { createBatcher } from './batcher.js';
import { createEventStream, type ConnectionStatus, type EventStream } from './event-stream.js';

export interface UseEventStreamOptions {
  /** Called with the new events (deduplicated, oldest first), at most every `batchMs`. */
  onEvents(events: HeraldEvent[]): void;
  /** The stream could not resume where it left off: events were missed (see createEventStream). */
  onResync?(): void;
  /** A single-use ticket for each connection (see createEventStream); none: the stream is opened as is. */
  streamTicket?: () => Promise<string>;
  url?: string;
  batchMs?: number;
}

export interface EventStreamState {
  status: ConnectionStatus;
  /** Reconnects at once instead of waiting for the next retry. */
  reconnectNow(): void;
}

export const EVENT_STREAM_URL = '/api/v1/events/stream';

/** Keeps one live connection to the event stream open while the component is mounted. */
export function useEventStream({ onEvents, onResync, streamTicket, url = EVENT_STREAM_URL, batchMs = 100 }: UseEventStreamOptions): EventStreamState {
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const onEventsRef = useRef(onEvents);
  const onResyncRef = useRef(onResync);
  const streamTicketRef = useRef(streamTicket);
  const usesTickets = streamTicket !== undefined;
  const streamRef = useRef<EventStream | undefined>(undefined);

  useEffect(() => {
    onEventsRef.current = onEvents;
    onResyncRef.current = onResync;
    streamTicketRef.current = streamTicket;
  });

  useEffect(() => {
    const batcher = createBatcher<HeraldEvent>((events) => onEventsRef.current(events), batchMs);
    const stream = createEventStream({
      url,
      eventNames: EVENT_TYPES,
      onEvent: batcher.push,
      onStatus: setStatus,
      onResync: () => {
        batcher.flush(); // what arrived before the resync is applied before the reload
        onResyncRef.current?.();
      },
      ...(usesTickets ? { streamTicket: () => streamTicketRef.current!() } : {}),
    });
    streamRef.current = stream;
    setStatus(stream.status);
    const reconnect = () => stream.reconnectNow();
    window.addEventListener('online', reconnect);
    return () => {
      window.removeEventListener('online', reconnect);
      stream.close();
      batcher.cancel();
      streamRef.current = undefined;
    };
  }, [url, batchMs, usesTickets]);

  return { status, reconnectNow: () => streamRef.current?.reconnectNow() };
}
