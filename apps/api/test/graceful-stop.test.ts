/**
 * Ctrl-C on `npm start`: the terminal sends SIGINT to the whole foreground process group. The
 * embedded PostgreSQL must not be part of it, or it stops before the API has drained its
 * requests (500s, "the database system is shutting down") and flushed the outbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@herald/stack';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { eventually, onRealBroker, signInOver, validProduct } from './helpers/herald.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// Two start-ups of the whole system and one of its database alone: minutes on a busy machine.
t.setTimeout(360_000);
const CLIENTS = 6;
/** Products created before the signal, so that the API is busy writing when it comes. */
const CREATED_BEFORE_SIGNAL = 150;

interface ApiProcess {
  child: ChildProcess;
  output: () => string;
}

/** `npm start`'s command, leading a process group of its own as a shell's foreground job does. */
function startApi(env: Record<string, string>): ApiProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitForLive(api: ApiProcess, baseUrl: string) {
  await eventually(async () => {
    if (api.child.exitCode !== null) throw new Error(`the API exited during start-up:\n${api.output()}`);
    return (await fetch(`${baseUrl}/health/live`).catch(() => undefined))?.ok;
  }, 120_000, 200);
}

type Outcome = { status: number; body: string } | { error: string };

/** One POST on a connection of its own (Connection: close), as independent clients would send. */
function createProduct(baseUrl: string, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const body = JSON.stringify(validProduct());
    const req = request(
      `${baseUrl}/api/v1/products`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        res.on('error', (error) => resolve({ error: error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

/** The embedded database is what is tested; the real-stack run would repeat the same thing. */
const embeddedOnly = { skip: onRealBroker && 'the embedded PostgreSQL runs on the embedded defaults (npm test)' };

t.test('Ctrl-C under write load: no request fails, every committed event is published, the database stops last', embeddedOnly, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-graceful-'));
  // As root the server runs as a `postgres` user, which must be able to reach its folder.
  await chmod(dataDir, 0o755);
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await Promise.all(children.map(exited));
    await rm(dataDir, { recursive: true, force: true });
  });

  const port = await findFreePort();
  const postgresPort = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(postgresPort),
    EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
    EMBEDDED_S3_PORT: String(await findFreePort()),
    // One admin writes as fast as it can: the per-user limit is not what is tested here.
    RATE_LIMIT_AUTHENTICATED: '1000000/1m',
  };

  const first = startApi(env);
  children.push(first.child);
  await waitForLive(first, baseUrl);
  const postmasterPid = Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n', 1)[0]);
  // On the embedded default the admin password is generated at first start, into the data folder.
  const adminPasswordFile = join(dataDir, 'auth', 'admin-password');
  t.equal((await stat(adminPasswordFile)).mode & 0o777, 0o600, 'the generated admin password is readable by its owner only');
  const token = await signInOver(baseUrl, 'admin', (await readFile(adminPasswordFile, 'utf8')).trim());

  const created: string[] = [];
  const failures: string[] = [];
  let refused = 0;
  let signalled = false;
  const client = async () => {
    // Until the API is gone: after the signal, new connections are refused.
    while (first.child.exitCode === null && first.child.signalCode === null) {
      const outcome = await createProduct(baseUrl, token);
      if ('error' in outcome) {
        if (!signalled) failures.push(`before the signal: ${outcome.error}`);
        refused++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      } else if (outcome.status === 201) {
        created.push((JSON.parse(outcome.body) as { id: string }).id);
      } else {
        failures.push(`${outcome.status} ${outcome.body}`);
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await eventually(async () => created.length >= CREATED_BEFORE_SIGNAL, 60_000, 10);
  signalled = true;
  process.kill(-first.child.pid!, 'SIGINT');
  const code = await exited(first.child);
  await Promise.all(clients);

  t.equal(code, 0, 'the API exits normally');
  t.same(failures, [], 'no request failed (no 5xx, no dropped connection)');
  t.comment(`${created.length} created, ${refused} refused after the signal`);
  await eventually(async () => !isAlive(postmasterPid), 30_000, 100);
  t.pass('PostgreSQL stopped with the API');

  // The database alone, before anything could publish again: the final drain happened.
  const database = await startEmbeddedPostgres(dataDir, postgresPort);
  const db = new pg.Client({ connectionString: database.databaseUrl });
  await db.connect();
  try {
    const { rows: pending } = await db.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL',
    );
    t.equal(pending[0].n, 0, 'every committed event was published before the API exited');
    const { rows } = await db.query<{ subject: string }>(
      `SELECT payload->>'subject' AS subject FROM outbox WHERE event_type = 'ProductCreated' AND published_at IS NOT NULL`,
    );
    const published = new Set(rows.map((row) => row.subject));
    t.same(created.filter((id) => !published.has(id)), [], 'each created product has its ProductCreated event published');
  } finally {
    await db.end();
    await database.stop();
  }

  // And Herald starts again on the same data, with every product there.
  const second = startApi(env);
  children.push(second.child);
  await waitForLive(second, baseUrl);
  const last = await fetch(`${baseUrl}/api/v1/products/${created.at(-1)}`);
  t.equal(last.status, 200, 'the last product created before the signal is there after a restart');
  process.kill(-second.child.pid!, 'SIGINT');
  t.equal(await exited(second.child), 0);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
