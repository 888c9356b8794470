import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where a running process serves its embedded stores. Written under DATA_DIR by the process that
 * serves them (the API, or a standalone notifier), so that another command on the same data (the
 * replay command) reaches them whatever ports that process was configured with.
 */
export interface EmbeddedEndpoints {
  pid: number;
  dynamodb?: string;
  s3?: string;
}

const FILE_NAME = 'embedded-endpoints.json';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Records this process's endpoints; the function returned removes them again (if still ours). */
export async function recordEmbeddedEndpoints(dataDir: string, endpoints: Omit<EmbeddedEndpoints, 'pid'>): Promise<() => Promise<void>> {
  const file = join(dataDir, FILE_NAME);
  const record: EmbeddedEndpoints = { pid: process.pid, ...endpoints };
  await mkdir(dataDir, { recursive: true });
  // Written aside and renamed, so a reader never sees half a file.
  const temporary = `${file}.${randomUUID()}`;
  await writeFile(temporary, `${JSON.stringify(record)}\n`);
  await rename(temporary, file);
  return async () => {
    const current = await readRecord(file);
    if (current?.pid === process.pid) await rm(file, { force: true });
  };
}

/** The endpoints recorded under `dataDir` by a process that is still running, if any. */
export async function readEmbeddedEndpoints(dataDir: string): Promise<EmbeddedEndpoints | undefined> {
  const record = await readRecord(join(dataDir, FILE_NAME));
  return record && alive(record.pid) ? record : undefined;
}

async function readRecord(file: string): Promise<EmbeddedEndpoints | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddedEndpoints>;
    return Number.isInteger(record.pid) ? (record as EmbeddedEndpoints) : undefined;
  } catch {
    return undefined;
  }
}
