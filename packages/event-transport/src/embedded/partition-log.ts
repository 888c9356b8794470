import { open, type FileHandle } from 'node:fs/promises';
import type { DeliveredRecord, OutgoingMessage } from '../types.js';
import { createWakeup, type Wakeup } from '../internal/wakeup.js';
import { TransportError } from '../errors.js';
import { storageError } from './storage.js';

/**
 * One topic-partition: an append-only list of records whose offset is their index. With a file,
 * each append is written (and optionally fsynced) before it becomes visible to consumers or is
 * acknowledged to the producer, like a Kafka record below the high watermark.
 */
export interface PartitionLog {
  readonly topic: string;
  readonly partition: number;
  /** Offset the next appended record will get (= number of records). */
  readonly highWatermark: number;
  /** Notified after every append, so consumers sleep instead of polling. */
  readonly appended: Wakeup;
  /** Up to `max` records from `offset` on, in offset order (fewer, or none, at the end). */
  read(offset: number, max: number): DeliveredRecord[];
  /** Appends in order; resolves once stored. Appends are applied one at a time, in call order. */
  append(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface PartitionLogOptions {
  topic: string;
  partition: number;
  /** NDJSON file holding the log; memory only when absent. */
  file?: string;
  fsync?: boolean;
}

interface StoredLine {
  offset: number;
  timestamp: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export async function openPartitionLog(options: PartitionLogOptions): Promise<PartitionLog> {
  const { topic, partition, file, fsync = false } = options;
  const records: DeliveredRecord[] = [];
  const appended = createWakeup();
  let handle: FileHandle | undefined;
  /** Bytes of complete lines in the file: where a failed write is cut back to. */
  let fileSize = 0;
  let queue: Promise<void> = Promise.resolve();

  const toRecord = (line: StoredLine): DeliveredRecord =>
    Object.freeze({
      topic,
      partition,
      offset: String(line.offset),
      key: line.key,
      value: line.value,
      headers: Object.freeze({ ...line.headers }),
      timestamp: line.timestamp,
    });

  if (file) {
    try {
      handle = await open(file, 'a+');
      const loaded = await loadLines(handle, file);
      loaded.lines.forEach((line, index) => {
        if (line.offset !== index) throw storageError(`${file}: expected offset ${index}, found ${line.offset}`);
        records.push(toRecord(line));
      });
      fileSize = loaded.completeBytes;
      if (loaded.totalBytes !== fileSize) {
        // A crash in the middle of a write left a partial last line: that append was never
        // acknowledged, so dropping it loses nothing the producer was told was stored.
        await handle.truncate(fileSize);
      }
    } catch (error) {
      await handle?.close().catch(() => {});
      throw error instanceof TransportError ? error : storageError(`Cannot open ${file}`, error);
    }
  }

  async function write(lines: StoredLine[]): Promise<void> {
    if (!handle) return;
    const data = Buffer.from(lines.map((line) => JSON.stringify(line) + '\n').join(''));
    try {
      await handle.appendFile(data);
      if (fsync) await handle.datasync();
      fileSize += data.length;
    } catch (error) {
      await handle.truncate(fileSize).catch(() => {});
      throw storageError(`Cannot append to ${file}`, error);
    }
  }

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
    append(messages) {
      const step = queue.then(async () => {
        // Offsets are assigned when the write starts, so a failed write leaves no gap behind.
        const base = records.length;
        const timestamp = Date.now();
        const lines = messages.map((message, index) => ({
          offset: base + index,
          timestamp,
          key: message.key,
          value: message.value,
          headers: { ...message.headers },
        }));
        await write(lines);
        for (const line of lines) records.push(toRecord(line));
        appended.notify();
      });
      queue = step.catch(() => {});
      return step;
    },
    async close() {
      await queue;
      await handle?.close();
      handle = undefined;
    },
  };
}

async function loadLines(
  handle: FileHandle,
  file: string,
): Promise<{ lines: StoredLine[]; completeBytes: number; totalBytes: number }> {
  const buffer = await handle.readFile();
  const lines: StoredLine[] = [];
  let start = 0;
  for (let end = buffer.indexOf(10, start); end !== -1; end = buffer.indexOf(10, start)) {
    const text = buffer.toString('utf8', start, end);
    try {
      lines.push(JSON.parse(text) as StoredLine);
    } catch (error) {
      // Only the last line can be torn by a crash; a bad line followed by good ones is damage.
      throw storageError(`${file}: unreadable record at byte ${start}`, error);
    }
    start = end + 1;
  }
  return { lines, completeBytes: start, totalBytes: buffer.length };
}
