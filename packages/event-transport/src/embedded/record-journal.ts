import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { isTransportError, type TransportError } from '../errors.js';
import type { OutgoingMessage } from '../types.js';
import { parseLines, type PartitionLog, type StoredRecord } from './partition-log.js';
import { storageError } from './storage.js';

/**
 * Where produced records are stored before they are acknowledged and become visible. Produce
 * calls are applied one at a time, in call order; each resolves once its records are stored and
 * pushed to their partition logs.
 */
export interface RecordJournal {
  append(batches: ReadonlyMap<PartitionLog, readonly OutgoingMessage[]>): Promise<void>;
  close(): Promise<void>;
}

/** A broker without a data directory: records are "stored" by being pushed to their logs. */
export function createMemoryJournal(): RecordJournal {
  return {
    async append(batches) {
      const timestamp = Date.now();
      for (const [log, messages] of batches) log.push(toStored(messages, log.highWatermark, timestamp));
    },
    async close() {},
  };
}

/** One journal line: a stored record with its topic and partition. */
interface JournalLine extends StoredRecord {
  topic: string;
  partition: number;
}

interface PendingAppend {
  batches: ReadonlyMap<PartitionLog, readonly OutgoingMessage[]>;
  resolve(): void;
  reject(error: unknown): void;
}

export interface RecordJournalOptions {
  /** The NDJSON file holding every partition's records, in the order they were stored. */
  file: string;
  /** datasync after every write, before anything it holds is acknowledged. */
  fsync: boolean;
  /** The log a stored line belongs to; undefined for a topic that does not exist. */
  logOf(topic: string, partition: number): PartitionLog | undefined;
}

/**
 * The journal of a broker with a data directory: one append-only NDJSON file for all topics and
 * partitions, so that a produce call costs one write however many partitions it touches, and
 * produce calls that arrive while a write is under way share the next one. The lines are made
 * and written on a thread of their own (journal-writer-thread.mjs): this thread only hands the
 * records over, which costs a fraction of turning them into JSON.
 *
 * Durability is the same as when every partition had its own file written from this thread: a
 * produce call is acknowledged only after the write(2) holding its records completed, so an
 * acknowledged record survives a crash of the process. Without `fsync` the data may still sit
 * in the OS page cache, so a power loss or OS crash can lose the last acknowledged records; with
 * `fsync`, the file is fdatasync'ed after each write and before the acknowledgement, so it
 * survives those too.
 *
 * Opening it replays the file into the logs (after the records of a partition file from the
 * earlier layout, if any), and cuts off a torn last line.
 */
export async function openRecordJournal(options: RecordJournalOptions): Promise<RecordJournal> {
  const { file, fsync, logOf } = options;
  const fileSize = await load(file, logOf);
  const writer = startWriter(file, fsync, fileSize);

  let queue: PendingAppend[] = [];
  let writing: Promise<void> | undefined;

  /** Writes whatever is queued, one write at a time, until nothing is. */
  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      await write(group);
    }
    writing = undefined;
  }

  async function write(group: PendingAppend[]): Promise<void> {
    // Offsets are assigned when the write starts (logs only grow once a write succeeded), so
    // a failed write leaves no gap behind.
    const timestamp = Date.now();
    const next = new Map<PartitionLog, number>();
    const pushes: Array<[PartitionLog, StoredRecord[]]> = [];
    const partitions: PartitionAppend[] = [];
    for (const { batches } of group) {
      for (const [log, messages] of batches) {
        const base = next.get(log) ?? log.highWatermark;
        next.set(log, base + messages.length);
        pushes.push([log, toStored(messages, base, timestamp)]);
        partitions.push({
          topic: log.topic,
          partition: log.partition,
          base,
          keys: messages.map((message) => message.key),
          values: messages.map((message) => message.value),
          headers: messages.map((message) => message.headers),
        });
      }
    }
    try {
      await writer.write({ timestamp, partitions });
      for (const [log, stored] of pushes) log.push(stored);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    for (const pending of group) pending.resolve();
  }

  return {
    append(batches) {
      if (batches.size === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ batches, resolve, reject });
        writing ??= drain();
      });
    },
    async close() {
      await writing;
      await writer.close();
    },
  };
}

/** Replays the file into the logs; returns the size of its whole lines, cutting off the rest. */
async function load(file: string, logOf: RecordJournalOptions['logOf']): Promise<number> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'a+');
    const buffer = await handle.readFile();
    const { lines, completeBytes } = parseLines<JournalLine>(buffer, file);
    replay(lines, logOf, file);
    if (buffer.length !== completeBytes) {
      // A crash in the middle of a write left a partial last line: that write was never
      // acknowledged, so dropping it loses nothing a producer was told was stored.
      await handle.truncate(completeBytes);
    }
    return completeBytes;
  } catch (error) {
    throw isTransportError(error) ? error : storageError(`Cannot open ${file}`, error);
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** What the writer thread is asked to write (see journal-writer-thread.mjs). */
interface PartitionAppend {
  topic: string;
  partition: number;
  base: number;
  keys: string[];
  values: string[];
  headers: Array<Record<string, string>>;
}

interface JournalWriter {
  /** Resolves once the records are written (and fdatasync'ed with `fsync`). */
  write(request: { timestamp: number; partitions: PartitionAppend[] }): Promise<void>;
  close(): Promise<void>;
}

const WRITER_THREAD = new URL('./journal-writer-thread.mjs', import.meta.url);

function startWriter(file: string, fsync: boolean, fileSize: number): JournalWriter {
  const worker = new Worker(WRITER_THREAD, { workerData: { file, fsync, fileSize } });
  const pending = new Map<number, { resolve(): void; reject(error: unknown): void }>();
  let nextId = 1;
  let failure: TransportError | undefined;
  // Referenced only while a write is waiting for it, like the broker's ports.
  const updateRef = (): void => {
    if (pending.size > 0) worker.ref();
    else worker.unref();
  };
  const fail = (error: TransportError): void => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
    updateRef();
  };

  worker.on('message', (reply: { id: number; ok: true } | { id: number; ok: false; message: string }) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    updateRef();
    if (reply.ok) waiter?.resolve();
    else waiter?.reject(storageError(`Cannot append to ${file}: ${reply.message}`));
  });
  worker.on('error', (error) => fail(storageError(`The writer of ${file} failed`, error)));
  worker.on('exit', () => fail(storageError(`The writer of ${file} has stopped`)));
  updateRef();

  return {
    write(request) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        updateRef();
        worker.postMessage({ id, ...request });
      });
    },
    async close() {
      if (failure) return;
      const exited = once(worker, 'exit');
      worker.ref();
      worker.postMessage({ op: 'close' });
      await exited;
    },
  };
}

function replay(lines: JournalLine[], logOf: RecordJournalOptions['logOf'], file: string): void {
  const byLog = new Map<PartitionLog, StoredRecord[]>();
  for (const { topic, partition, ...record } of lines) {
    const log = logOf(topic, partition);
    if (!log) throw storageError(`${file}: a record of ${topic}/${partition}, which does not exist`);
    const records = byLog.get(log);
    if (records) records.push(record);
    else byLog.set(log, [record]);
  }
  for (const [log, records] of byLog) log.push(records);
}

function toStored(messages: readonly OutgoingMessage[], base: number, timestamp: number): StoredRecord[] {
  return messages.map((message, index) => ({
    offset: base + index,
    timestamp,
    key: message.key,
    value: message.value,
    headers: message.headers,
  }));
}
