import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostCommand, HostMessage, HostOptions } from './embedded-postgres-host.js';

export interface EmbeddedDatabase {
  databaseUrl: string;
  stop(): Promise<void>;
}

const USER = 'herald';
const PASSWORD = 'herald';
const DATABASE = 'herald';

const HOST_FILE = fileURLToPath(new URL('./embedded-postgres-host.ts', import.meta.url));
/** Long enough for a first start (initdb) on a slow machine. */
const START_TIMEOUT_MS = 120_000;
/** A fast shutdown takes well under a second. */
const STOP_TIMEOUT_MS = 30_000;
const ORPHAN_STOP_TIMEOUT_MS = 30_000;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const procText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * A server left behind on this data folder (its host was killed outright) is stopped before a
 * new one starts; one whose host still runs belongs to another Herald, which is an error. Reads
 * Linux's /proc: elsewhere PostgreSQL's own lock file check is all there is.
 */
async function stopOrphanedServer(databaseDir: string): Promise<void> {
  const lock = await readFile(join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(lock?.split('\n', 1)[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const args = procText(`/proc/${pid}/cmdline`)?.split('\0');
  // A recycled pid, or no /proc: leave it to PostgreSQL.
  if (!args?.[0]?.endsWith('postgres') || !args.includes(databaseDir)) return;
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so count from its ')'.
  const stat = procText(`/proc/${pid}/stat`);
  const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (procText(`/proc/${ppid}/cmdline`)?.includes(basename(HOST_FILE))) {
    throw new Error(`the embedded PostgreSQL in ${databaseDir} is in use by another Herald (host pid ${ppid}); stop it or set another DATA_DIR`);
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + ORPHAN_STOP_TIMEOUT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`a PostgreSQL left running on ${databaseDir} (pid ${pid}) did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves when the host reports the server ready; rejects with its reason otherwise. */
function whenReady(host: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`embedded PostgreSQL did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onMessage = (message: HostMessage) => {
      if (message.type === 'ready') finish();
      else finish(new Error(`embedded PostgreSQL failed to start: ${message.message}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(new Error(`embedded PostgreSQL host exited during start-up (${signal ?? `code ${code}`})`));
    const onError = (error: Error) => finish(error);
    function finish(error?: Error) {
      clearTimeout(timer);
      host.off('message', onMessage).off('exit', onExit).off('error', onError);
      if (error) reject(error);
      else resolve();
    }
    host.on('message', onMessage).on('exit', onExit).on('error', onError);
  });
}

function stopHost(host: ChildProcess): Promise<void> {
  // Never started (spawn failed), or gone already.
  if (host.pid === undefined || host.exitCode !== null || host.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    // A slow shutdown (a long checkpoint) does not hold the API: the host finishes it on its own.
    const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
    host.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (host.connected) host.send({ type: 'stop' } satisfies HostCommand);
    else host.kill('SIGTERM');
  });
}

/**
 * A real PostgreSQL server from the `embedded-postgres` binaries, with its data under
 * `<dataDir>/postgres` so it survives restarts. Used when DATABASE_URL is not set.
 *
 * It runs under a small host process in a session of its own (see embedded-postgres-host.ts):
 * Ctrl-C in a terminal signals the whole foreground process group, and a database stopping
 * with the API would fail the requests still in flight and cut the outbox's final drain short.
 * Only `stop()`, the last step of Herald's shutdown, stops it, or the host itself when this
 * process is gone.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(join(dataDir, 'postgres'));
  await mkdir(dataDir, { recursive: true });
  await stopOrphanedServer(databaseDir);
  const options: HostOptions = { databaseDir, port, user: USER, password: PASSWORD, database: DATABASE };
  const host = spawn(process.execPath, [HOST_FILE, JSON.stringify(options)], {
    // setsid(): no terminal signals, and no process-group signal aimed at the API.
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    await whenReady(host);
  } catch (error) {
    await stopHost(host);
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    databaseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => (stopping ??= stopHost(host)),
  };
}
