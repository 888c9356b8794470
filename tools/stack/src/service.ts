import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onExit } from 'signal-exit';

export interface ServiceOptions {
  /** Human readable name used in errors, e.g. "Kafka". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr of the service are appended here. */
  logFile: string;
  /** One readiness probe: resolves true once the service answers real requests. */
  probe: () => Promise<boolean>;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

// The service runs under a tiny shell wrapper that holds the read end of a pipe
// whose write end only the Node parent has. If the parent dies in any way (even
// SIGKILL, e.g. a test runner timing out a test file), the pipe reaches EOF and
// the wrapper SIGKILLs the service, so no JVM or server is ever orphaned.
const WRAPPER = `
exec 3<&0 0</dev/null
"$@" 3<&- &
child=$!
( while read -r _ <&3; do :; done; kill -KILL "$child" 2>/dev/null ) &
watcher=$!
exec 3<&-
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
status=0
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
exec 2>/dev/null
kill -KILL "$watcher"
exit $status
`;

const live = new Set<ManagedService>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // signal-exit cooperates with other signal handlers (tap's, our CLI's): it only
  // re-raises a signal when nobody else handles it, and always runs on exit.
  onExit(() => {
    for (const service of live) service.killSync();
    for (const dir of ownedDirs) removeQuietly(dir);
  });
}

function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // a dying service may still be writing; the next sweep gets it
  }
}

const OWNER_FILE = '.owner-pid';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A process killed with SIGKILL never runs its exit hook, so its temp dirs
 * stay behind; remove those whose owner process is gone.
 */
function sweepStaleDirs(prefix: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      if (owner > 0 && owner !== process.pid && !pidAlive(owner)) removeQuietly(dir);
    } catch {
      // not ours, or being created right now
    }
  }
}

/** A temp dir that is deleted when the Node process exits. */
export function ownedTempDir(prefix: string): string {
  installExitHook();
  sweepStaleDirs(prefix);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  ownedDirs.add(dir);
  return dir;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Last `lines` lines of a (possibly large) log file, for error messages. */
export function tailFile(file: string, lines = 40): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 16 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log output)';
  }
}

async function probeWithin(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([probe().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A long running child process with readiness probing, stop/kill/restart and exit cleanup. */
export class ManagedService {
  readonly options: ServiceOptions;
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;

  constructor(options: ServiceOptions) {
    this.options = options;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error(`${this.options.name} is already running (pid ${this.#child.pid})`);
    installExitHook();
    const { name, command, args, env, cwd, logFile } = this.options;
    mkdirSync(dirname(logFile), { recursive: true });
    appendFileSync(logFile, `\n--- ${new Date().toISOString()} starting: ${command} ${args.join(' ')}\n`);
    const logFd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      // detached: own process group, so Ctrl-C in a terminal reaches only us and
      // we decide how the service is stopped; kill() can SIGKILL the whole group.
      child = spawn('bash', ['-c', WRAPPER, 'herald-stack', command, ...args], {
        cwd,
        env: env ?? process.env,
        stdio: ['pipe', logFd, logFd],
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    this.#child = child;
    live.add(this);
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.#child === child) {
          this.#child = undefined;
          live.delete(this);
        }
        resolve(code ?? (signal ? 128 : null));
      });
      child.once('error', () => resolve(null));
    });
    // A forgotten service must not keep a test process alive; the exit hook kills it.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    await this.#waitReady(child, name);
  }

  async #waitReady(child: ChildProcess, name: string): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.#exit?.then((code) => {
      exitCode = code;
    });
    for (;;) {
      if (exitCode !== undefined || this.#child !== child) {
        throw new Error(
          `${name} exited (code ${exitCode}) before it became ready. Log ${this.options.logFile}:\n` +
            tailFile(this.options.logFile),
        );
      }
      if (await probeWithin(this.options.probe, 5_000)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(
          `${name} did not become ready within ${Math.round(timeoutMs / 1000)} s. Log ${this.options.logFile}:\n` +
            tailFile(this.options.logFile),
        );
      }
      await sleep(250);
    }
  }

  /** SIGTERM, wait for a clean exit, SIGKILL the process group after stopTimeoutMs. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    child.ref(); // an unref'd child alone would let Node exit while we wait
    signal(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signal(-child.pid!, 'SIGKILL'), this.options.stopTimeoutMs ?? 20_000);
    await this.#exit;
    clearTimeout(timer);
    signal(-child.pid, 'SIGKILL'); // any straggler left in the group
    await groupGone(child.pid);
  }

  /** Immediate SIGKILL of the service and its wrapper (simulates a crash). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    child.ref();
    signal(-child.pid, 'SIGKILL');
    await this.#exit;
    await groupGone(child.pid);
  }

  /** Synchronous variant for process exit handlers. */
  killSync(): void {
    if (this.#child?.pid) signal(-this.#child.pid, 'SIGKILL');
  }
}

/**
 * The wrapper can exit a moment before a SIGKILLed service is fully gone (and
 * its port released); restarting on the same port must wait for the whole
 * process group.
 */
async function groupGone(pgid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
