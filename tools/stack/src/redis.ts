import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { findFreePort } from './ports.js';
import { lastLines, run } from './run.js';
import { ManagedService, ownedTempDir } from './service.js';

export interface RedisInstall {
  binary: string;
}

export interface RedisOptions {
  port?: number;
  /** Where the append-only file lives; a temp dir removed at process exit when omitted. */
  dataDir?: string;
  logFile?: string;
  /**
   * Default false: a cache that starts empty after a restart. True keeps an append-only file
   * synced on every write, so a restart (or a kill) comes back with the data, as a Redis with
   * persistence or one that was only unreachable for a while would.
   */
  persistent?: boolean;
}

export interface RedisServer {
  /** e.g. `redis://127.0.0.1:41234` */
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
  /** SIGKILL, as in a crash. */
  kill(): Promise<void>;
  /** Starts again on the same port and data dir. */
  start(): Promise<void>;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return existsSync(`/usr/bin/${command}`) ? `/usr/bin/${command}` : undefined;
}

/**
 * Debian's `redis-server`: used where it is installed, installed with apt-get (as root) where it
 * is not, as `.ci/run` installs Chromium. Its service is not started: each test run starts private
 * instances.
 */
export async function ensureRedis(): Promise<RedisInstall> {
  const found = onPath('redis-server');
  if (found) return { binary: found };
  if (process.getuid?.() !== 0) {
    throw new Error('redis-server is not installed: `apt-get install redis-server` (Debian), then run again');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update'], { env });
  const install = update.code === 0 ? await run('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { env }) : update;
  const binary = onPath('redis-server');
  if (install.code !== 0 || !binary) throw new Error(`installing redis-server with apt-get failed:\n${lastLines(install.output, 15)}`);
  return { binary };
}

/** One PING over a raw socket: true once the server answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const { binary } = await ensureRedis();
  const port = options.port ?? (await findFreePort());
  const dataDir = options.dataDir ?? ownedTempDir('herald-redis-');
  mkdirSync(dataDir, { recursive: true });
  const logFile = options.logFile ?? join(dataDir, 'redis.log');
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const service = new ManagedService({
    name: `Redis on 127.0.0.1:${port}`,
    command: binary,
    args: [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dataDir,
      '--save', '',
      ...persistence,
      // As docker-compose runs it: bounded memory, evicting only keys that expire (the feeds),
      // never the cache's epoch.
      '--maxmemory', '256mb',
      '--maxmemory-policy', 'volatile-lru',
      '--daemonize', 'no',
    ],
    cwd: dataDir,
    logFile,
    probe: () => answersPing(port),
    readyTimeoutMs: 30_000,
    stopTimeoutMs: 10_000,
  });
  await service.start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    logFile,
    stop: () => service.stop(),
    kill: () => service.kill(),
    start: () => service.start(),
  };
}
