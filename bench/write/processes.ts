import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '@herald/stack';

/**
 * Every process the benchmark starts goes through here, so that one call stops them all: at the
 * end of a variant, on a failure, and on Ctrl-C. Servers also carry an IPC channel and
 * `exit-with-parent.js`, so they stop themselves should the benchmark be killed outright.
 */

const live = new Set<ChildProcess>();
/** Lines already echoed: every server start prints the same warnings, which are shown once. */
const echoed = new Set<string>();
const STOP_TIMEOUT_MS = 20_000;
const READY_TIMEOUT_MS = 120_000;
const TAIL_LINES = 40;

/** The Node flags Herald's own scripts use (tsx, the source condition). */
export const NODE_FLAGS = ['--import', 'tsx', '--conditions=@herald/source'];
/** The flags `npm start` (and the Dockerfile) adds for Herald's API process. */
export const HERALD_NODE_FLAGS = ['--no-memory-reducer'];
const EXIT_WITH_PARENT = new URL('./exit-with-parent.js', import.meta.url).pathname;

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  tail(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a process with piped output. Lines on stderr are echoed with a `[label]` prefix (a
 * server's warnings should be seen), each distinct line once per run; stdout is only kept for
 * the error message.
 */
export function startProcess(
  label: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; ipc?: boolean; echoStderr?: boolean },
): Spawned {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  live.add(child);
  const lines: string[] = [];
  const keep = (stream: 'out' | 'err') => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      // Node prefixes its warnings with the process id: the same warning from the next server is no news.
      const key = line.replace(/^\(node:\d+\) /, '');
      if (stream === 'err' && options.echoStderr !== false && !echoed.has(key)) {
        echoed.add(key);
        process.stderr.write(`[${label}] ${line}\n`);
      }
    }
  };
  child.stdout!.on('data', keep('out'));
  child.stderr!.on('data', keep('err'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  // A failed spawn (command missing) emits 'error' and never 'exit' with a pid.
  child.once('error', () => live.delete(child));
  if (child.pid === undefined) throw new Error(`${label}: could not start ${command}`);
  return { child, pid: child.pid, tail: () => lines.join('\n'), exited };
}

/** SIGTERM, then SIGKILL after the timeout; resolves once the process is gone. */
export async function stopProcess(spawned: Spawned, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  const { child } = spawned;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.kill('SIGTERM');
  await spawned.exited;
  clearTimeout(timer);
}

/** Stops every process still running; used on failure and Ctrl-C. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.kill('SIGTERM');
      await gone;
      clearTimeout(timer);
    }),
  );
}

/** Last resort on exit: nothing the benchmark started may outlive it. */
export function killAllProcessesSync(): void {
  for (const child of live) child.kill('SIGKILL');
}

export interface ServerProcess extends Spawned {
  label: string;
  url: string;
  /** The `Authorization` header its writes need (Herald: an admin's access token). */
  authorization?: string;
  stop(): Promise<void>;
}

/**
 * Starts a Node server (TypeScript, through tsx) and waits until `readyPath` answers 200. Fails
 * with the server's last output when it exits first or never becomes ready.
 */
export async function startNodeServer(options: {
  label: string;
  entry: string;
  port: number;
  env: Record<string, string>;
  readyPath: string;
  nodeFlags?: string[];
}): Promise<ServerProcess> {
  const { label, entry, port, readyPath } = options;
  const spawned = startProcess(
    label,
    process.execPath,
    [...NODE_FLAGS, '--import', EXIT_WITH_PARENT, ...(options.nodeFlags ?? []), entry],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env }, ipc: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = { ...spawned, label, url, stop: () => stopProcess(spawned) };
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void spawned.exited.then((result) => (exit = result));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exit) {
      throw new Error(`${label} exited (code ${exit.code}, signal ${exit.signal}) before it was ready. Its last output:\n${spawned.tail()}`);
    }
    const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (response?.ok) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${label} was not ready at ${url}${readyPath} after ${READY_TIMEOUT_MS / 1000} s. Its last output:\n${spawned.tail()}`);
    }
    await sleep(250);
  }
}
