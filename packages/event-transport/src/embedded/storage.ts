import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { TransportError } from '../errors.js';

/**
 * On-disk layout of an embedded broker's data directory:
 *
 *   <dataDir>/topics/<topic>/topic.json      {"partitions": N}
 *   <dataDir>/records.ndjson                 the journal: one stored record per line, with its
 *                                            topic, partition and offset, in the order stored
 *   <dataDir>/offsets.json                   {"<group>": {"<topic>": {"<p>": nextOffset}}}
 *   <dataDir>/topics/<topic>/<p>.ndjson      the earlier layout, one file per partition: read
 *                                            (its records come first), never written any more
 *
 * Topic names are restricted to Kafka's character set, so they are safe as directory names.
 * JSON files are replaced atomically (temp file + rename) so a crash leaves the old or the new
 * version, never half of one.
 */
export interface Storage {
  readonly dataDir: string;
  readonly journalFile: string;
  listTopics(): Promise<Array<{ name: string; partitions: number }>>;
  createTopic(name: string, partitions: number): Promise<void>;
  partitionFile(topic: string, partition: number): string;
  readOffsets(): Promise<unknown>;
  writeOffsets(offsets: unknown): Promise<void>;
}

export function createStorage(dataDir: string): Storage {
  const topicsDir = join(dataDir, 'topics');
  const offsetsFile = join(dataDir, 'offsets.json');
  let tempCounter = 0;

  async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
    const temp = `${file}.${process.pid}.${++tempCounter}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(value));
      // The rename must not become visible before the content it points to is on disk.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }

  return {
    dataDir,
    journalFile: join(dataDir, 'records.ndjson'),

    async listTopics() {
      await mkdir(topicsDir, { recursive: true });
      const names = await readdir(topicsDir);
      const topics: Array<{ name: string; partitions: number }> = [];
      for (const name of names) {
        const meta = await readJson(join(topicsDir, name, 'topic.json'));
        if (meta === undefined) continue; // a crash between mkdir and writing topic.json
        const partitions = (meta as { partitions?: unknown }).partitions;
        if (!Number.isInteger(partitions) || (partitions as number) < 1) {
          throw storageError(`Corrupt topic metadata for ${name}`);
        }
        topics.push({ name, partitions: partitions as number });
      }
      return topics;
    },

    async createTopic(name, partitions) {
      await mkdir(join(topicsDir, name), { recursive: true });
      await writeJsonAtomically(join(topicsDir, name, 'topic.json'), { partitions });
    },

    partitionFile(topic, partition) {
      return join(topicsDir, topic, `${partition}.ndjson`);
    },

    async readOffsets() {
      return (await readJson(offsetsFile)) ?? {};
    },

    async writeOffsets(offsets) {
      await mkdir(dataDir, { recursive: true });
      await writeJsonAtomically(offsetsFile, offsets);
    },
  };
}

/** Reads a JSON file; undefined when it does not exist. */
async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError(`Cannot read ${file}`, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw storageError(`Corrupt JSON in ${file}`, error);
  }
}

export function storageError(message: string, cause?: unknown): TransportError {
  return new TransportError('ERR_TRANSPORT_STORAGE_FAILED', message, { cause });
}

