import { readFile } from 'node:fs/promises';
import type { DeliveredRecord } from '../types.js';
import { createWakeup, type Wakeup } from '../internal/wakeup.js';
import { storageError } from './storage.js';

/**
 * One topic-partition: an append-only list of records whose offset is their index. Records are
 * pushed here only once stored (see record-journal.ts), so everything a consumer can read has
 * been acknowledged to its producer, like a Kafka record below the high watermark.
 */
export interface PartitionLog {
  readonly topic: string;
  readonly partition: number;
  /** Offset the next appended record will get (= number of records). */
  readonly highWatermark: number;
  /** Notified after every push, so consumers sleep instead of polling. */
  readonly appended: Wakeup;
  /** Up to `max` records from `offset` on, in offset order (fewer, or none, at the end). */
  read(offset: number, max: number): DeliveredRecord[];
  /** Makes stored records visible; their offsets must continue the log. */
  push(records: readonly StoredRecord[]): void;
}

/** A record as the journal stores it, before it gets its topic and partition back. */
export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export function createPartitionLog(topic: string, partition: number): PartitionLog {
  const records: DeliveredRecord[] = [];
  const appended = createWakeup();
  return {
    topic,
    partition,
    appended,
    get highWatermark() {
      return records.length;
    },
    read(offset, max) {
      return records.slice(offset, offset + max);
    },
    push(stored) {
      for (const record of stored) {
        if (record.offset !== records.length) {
          throw storageError(`${topic}/${partition}: expected offset ${records.length}, found ${record.offset}`);
        }
        records.push(
          Object.freeze({
            topic,
            partition,
            offset: String(record.offset),
            key: record.key,
            value: record.value,
            headers: Object.freeze({ ...record.headers }),
            timestamp: record.timestamp,
          }),
        );
      }
      if (stored.length > 0) appended.notify();
    },
  };
}

/**
 * Reads a partition file of the layout before the journal (one NDJSON file per partition). Such
 * files are only read: their records come first in their partition, and the journal continues
 * after them. A torn last line (a crash in the middle of a write) was never acknowledged and is
 * left out; a damaged line followed by good ones is reported.
 */
export async function readPartitionFile(file: string): Promise<StoredRecord[]> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storageError(`Cannot read ${file}`, error);
  }
  return parseLines<StoredRecord>(buffer, file).lines;
}

/**
 * Splits NDJSON into parsed lines. `completeBytes` is where the last whole line ends: anything
 * after it is a torn write. Only the last line can be torn by a crash, so a line that does not
 * parse before the end is damage, and is reported as such.
 */
export function parseLines<T>(buffer: Buffer, file: string): { lines: T[]; completeBytes: number } {
  const lines: T[] = [];
  let start = 0;
  for (let end = buffer.indexOf(10, start); end !== -1; end = buffer.indexOf(10, start)) {
    const text = buffer.toString('utf8', start, end);
    try {
      lines.push(JSON.parse(text) as T);
    } catch (error) {
      throw storageError(`${file}: unreadable record at byte ${start}`, error);
    }
    start = end + 1;
  }
  return { lines, completeBytes: start };
}
