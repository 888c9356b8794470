import { compareEvents, type EventLog } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';
import type * as Minio from 'minio';
import { createArchiveStore, floorHour, HOUR_MS } from '../archive/archive-store.js';

export interface ReplayOptions {
  eventLog: EventLog;
  s3: Minio.Client;
  bucket: string;
  /** Event time, inclusive. */
  from: Date;
  /** Event time, exclusive. */
  to: Date;
  /** Only events of this type. */
  type?: string;
  signal?: AbortSignal;
}

/**
 * Every event with a time in [from, to), from the archive and the recent log together, each once
 * (an event can be in both while an archive pass is under way or after one crashed), in
 * (time, id) order. Works one event-time hour at a time, so memory holds one hour of events.
 */
export async function* replayEvents(options: ReplayOptions): AsyncGenerator<HeraldEvent> {
  const { eventLog, from, to, type, signal } = options;
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const store = createArchiveStore(options.s3, options.bucket);
  const wanted = (event: HeraldEvent): boolean => {
    const ms = Date.parse(event.time);
    return ms >= fromMs && ms < toMs && (type === undefined || event.type === type);
  };

  for (let hour = floorHour(fromMs); hour < toMs; hour += HOUR_MS) {
    signal?.throwIfAborted();
    const byId = new Map<string, HeraldEvent>();
    for (const name of await store.listHour(hour)) {
      for (const event of await store.read(name)) if (wanted(event)) byId.set(event.id, event);
    }
    for await (const { event } of eventLog.range({
      from: new Date(Math.max(hour, fromMs)),
      to: new Date(Math.min(hour + HOUR_MS, toMs)),
      ...(type !== undefined ? { type } : {}),
      ...(signal ? { signal } : {}),
    })) {
      if (wanted(event)) byId.set(event.id, event);
    }
    yield* [...byId.values()].sort(compareEvents);
  }
}
