import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { compareEvents, normalizedTime } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';
import type * as Minio from 'minio';
import { NOTIFIER_ERROR_CODES, NotifierError } from '../errors.js';

export const HOUR_MS = 3_600_000;
const ROOT = 'events';

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** The UTC hour of an event's time, as epoch ms: the archive partition it belongs to. */
export function eventHour(event: HeraldEvent): number {
  return floorHour(Date.parse(normalizedTime(event)));
}

/** `events/2025/03/01/10/`: the folder of one event-time hour. */
export function hourPrefix(hourMs: number): string {
  const iso = new Date(floorHour(hourMs)).toISOString(); // 2025-03-01T10:00:00.000Z
  return `${ROOT}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/**
 * The object name of a set of events, a function of the set alone: its hour folder, the time of
 * its first event (so names list in rough time order), and a hash of its sorted ids. Writing the
 * same set twice writes the same object; two different sets never share a name.
 */
export function objectName(hourMs: number, events: readonly HeraldEvent[]): string {
  if (events.length === 0) throw new RangeError('an archive object holds at least one event');
  const sorted = [...events].sort(compareEvents);
  const first = normalizedTime(sorted[0]!).replace(/[-:.]/g, '');
  const hash = createHash('sha256')
    .update(sorted.map((e) => e.id).sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
  return `${hourPrefix(hourMs)}${first}-${hash}.ndjson.gz`;
}

/** Gzip of one CloudEvent JSON per line, in (time, id) order. */
export function encodeObject(events: readonly HeraldEvent[]): Buffer {
  const lines = [...events].sort(compareEvents).map((event) => `${JSON.stringify(event)}\n`);
  return gzipSync(Buffer.from(lines.join(''), 'utf8'));
}

export function decodeObject(name: string, body: Buffer): HeraldEvent[] {
  try {
    return gunzipSync(body)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as HeraldEvent);
  } catch (error) {
    throw new NotifierError(NOTIFIER_ERROR_CODES.archiveCorrupt, `archive object ${name} is not gzip NDJSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The archive bucket: gzip NDJSON objects under `events/yyyy/mm/dd/hh/`, by event time. */
export interface ArchiveStore {
  readonly bucket: string;
  /** Names of the objects in one event-time hour. */
  listHour(hourMs: number): Promise<string[]>;
  read(name: string): Promise<HeraldEvent[]>;
  /**
   * Stores the events (all of one event-time hour) as one object and resolves once it is durable:
   * the put resolved and a stat of the object reports the size written. Returns the name.
   */
  write(hourMs: number, events: readonly HeraldEvent[]): Promise<string>;
}

export function createArchiveStore(s3: Minio.Client, bucket: string): ArchiveStore {
  return {
    bucket,

    async listHour(hourMs) {
      const names: string[] = [];
      const stream = s3.listObjectsV2(bucket, hourPrefix(hourMs), true);
      for await (const item of stream as AsyncIterable<{ name?: string }>) {
        if (item.name?.endsWith('.ndjson.gz')) names.push(item.name);
      }
      return names.sort();
    },

    async read(name) {
      return decodeObject(name, await readAll(await s3.getObject(bucket, name)));
    },

    async write(hourMs, events) {
      for (const event of events) {
        if (eventHour(event) !== floorHour(hourMs)) {
          throw new RangeError(`event ${event.id} (time ${event.time}) does not belong in ${hourPrefix(hourMs)}`);
        }
      }
      const name = objectName(hourMs, events);
      const body = encodeObject(events);
      await s3.putObject(bucket, name, body, body.length, {
        'Content-Type': 'application/gzip',
        'x-amz-meta-event-count': String(events.length),
      });
      const stat = await s3.statObject(bucket, name);
      if (stat.size !== body.length) {
        throw new NotifierError(
          NOTIFIER_ERROR_CODES.archiveCorrupt,
          `archive object ${name} reads back ${stat.size} bytes, ${body.length} were written`,
        );
      }
      return name;
    },
  };
}
