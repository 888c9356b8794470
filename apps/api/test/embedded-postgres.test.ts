/**
 * The embedded PostgreSQL outlives no Herald: its host stops it when the process that started it
 * is gone, and a server whose host was killed outright is stopped at the next start.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@herald/stack';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { eventually } from './helpers/herald.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const moduleFile = fileURLToPath(new URL('../src/db/embedded-postgres.ts', import.meta.url));
const linux = existsSync('/proc/self/stat');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const postmasterPid = async (dataDir: string) =>
  Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n', 1)[0]);

/** /proc/<pid>/stat: "pid (comm) state ppid ..." (comm may hold spaces). */
const parentPid = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};

async function answers(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

// One data folder for the whole file: initdb runs once.
const dataDir = await mkdtemp(join(tmpdir(), 'herald-embedded-pg-'));
// As root the server runs as a `postgres` user, which must be able to reach its folder.
await chmod(dataDir, 0o755);
const port = await findFreePort();
t.teardown(() => rm(dataDir, { recursive: true, force: true }));

t.test('the database stops when the process that started it is killed', async (t) => {
  const script = `
    const { startEmbeddedPostgres } = await import(${JSON.stringify(moduleFile)});
    await startEmbeddedPostgres(${JSON.stringify(dataDir)}, ${port});
    process.stdout.write('ready\\n');
    setInterval(() => {}, 60_000);
  `;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => owner.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    owner.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    owner.once('exit', (code) => reject(new Error(`exited with ${code} before the database was ready`)));
  });
  const postmaster = await postmasterPid(dataDir);
  t.ok(isAlive(postmaster), 'running');

  owner.kill('SIGKILL');
  await eventually(async () => !isAlive(postmaster), 30_000, 100);
  t.pass('stopped once its owner was gone');
});

t.test('a server left running by a killed host is stopped at the next start', { skip: !linux && 'reads /proc' }, async (t) => {
  const first = await startEmbeddedPostgres(dataDir, port);
  const postmaster = await postmasterPid(dataDir);
  process.kill(parentPid(postmaster), 'SIGKILL');
  // Nothing stops it now: the server runs on, without a host.
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.ok(isAlive(postmaster), 'orphaned, still running');
  t.ok(await answers(first.databaseUrl), 'and answering');

  const second = await startEmbeddedPostgres(dataDir, port);
  t.teardown(() => second.stop());
  t.notOk(isAlive(postmaster), 'the orphan was stopped');
  t.not(await postmasterPid(dataDir), postmaster, 'a new server runs');
  t.ok(await answers(second.databaseUrl), 'and answers');
  await second.stop();
});

t.test("a data folder another Herald's database runs on is refused, naming it", { skip: !linux && 'reads /proc' }, async (t) => {
  const running = await startEmbeddedPostgres(dataDir, port);
  t.teardown(() => running.stop());
  const postmaster = await postmasterPid(dataDir);

  await t.rejects(startEmbeddedPostgres(dataDir, port), /the embedded PostgreSQL in .* is in use by another Herald/);
  t.ok(isAlive(postmaster), 'the running server was left alone');
  t.ok(await answers(running.databaseUrl), 'and still answers');
  await running.stop();
  t.notOk(isAlive(postmaster), 'stop() stops it');
});
