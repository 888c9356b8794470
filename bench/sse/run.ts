/**
 * `npm run bench:sse`: how one API instance serves many SSE clients while products are written at
 * a steady rate. For each client count it reports delivery latency (from the moment the write's
 * response — i.e. its commit — reached the writer, to the moment a client received the event),
 * events/s delivered across all clients, and the API process's memory per idle connection.
 *
 * The API runs in a process of its own (embedded PostgreSQL and broker, no in-process consumers),
 * so the load generator and the server do not share an event loop; they still share two cores.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findFreePort, repoRoot } from '@herald/stack';
import { benchAuth, signIn } from '../auth.js';
import { openClients } from './clients.js';
import { renderReport, type SseRun } from './report.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000,5000' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
  },
});
const clientCounts = values.clients.split(',').map(Number);
const writesPerSecond = Number(values.rate);
const seconds = Number(values.seconds);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startApi() {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-bench-sse-'));
  // As root the embedded PostgreSQL runs as an unprivileged user, which must be able to enter it.
  await chmod(dataDir, 0o755);
  const port = await findFreePort();
  // Product events reach admins' streams: every client is the admin, so one user holds them all.
  const auth = benchAuth();
  const env = {
    ...auth.env,
    SSE_MAX_STREAMS_PER_USER: String(Math.max(...clientCounts)),
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(await findFreePort()),
    EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
    EMBEDDED_S3_PORT: String(await findFreePort()),
    IN_PROCESS_CONSUMERS: 'false',
    LOG_LEVEL: 'warn',
    SSE_MAX_BUFFERED_BYTES: String(4 * 1024 * 1024),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 240 && !ready; i++) {
    ready = Boolean((await fetch(`${base}/health/ready`).catch(() => undefined))?.ok);
    if (!ready) await sleep(500);
  }
  if (!ready) throw new Error(`the API at ${base} did not become ready`);
  console.error(`API ready at ${base}`);
  return {
    base,
    authorization: await signIn(base, auth.adminPassword),
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function measure(api: { base: string; pid: number; authorization: string }, clients: number): Promise<SseRun> {
  const rssBefore = await rssBytes(api.pid);
  const pool = openClients(`${api.base}/api/v1/events/stream?types=ProductCreated`, clients, api.authorization);
  for (let i = 0; i < 240 && pool.connected() < clients; i++) await sleep(250);
  console.error(`  ${pool.connected()} of ${clients} clients connected`);
  await sleep(2_000);
  const rssIdle = await rssBytes(api.pid);

  // Steady writes; each response time is the commit time as the writer sees it.
  const committedAt = new Map<string, number>();
  const total = writesPerSecond * seconds;
  const started = now();
  let peakRss = rssIdle;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / writesPerSecond;
    if (due > now()) await sleep(due - now());
    const response = await fetch(`${api.base}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: api.authorization },
      body: JSON.stringify({ sku: `BENCH-${clients}-${i}`, name: 'Bench item', price: { amount: 100, currency: 'EUR' }, stock: 1000 }),
    });
    const body = (await response.json()) as { id: string };
    committedAt.set(body.id, now());
    if (i % writesPerSecond === 0) peakRss = Math.max(peakRss, await rssBytes(api.pid));
  }
  console.error(`  ${total} writes done`);
  // Let the last events arrive.
  const deadline = now() + 30_000;
  const expected = clients * total;
  const receivedCount = () => pool.receipts().reduce((sum, r) => sum + r.length, 0);
  while (receivedCount() < expected && now() < deadline) await sleep(250);
  const elapsed = (now() - started) / 1000;

  const latencies: number[] = [];
  let lastReceipt = started;
  for (const receipts of pool.receipts()) {
    for (const receipt of receipts) {
      const committed = committedAt.get(receipt.subject);
      if (committed === undefined) continue;
      latencies.push(Math.max(0, receipt.receivedAt - committed));
      lastReceipt = Math.max(lastReceipt, receipt.receivedAt);
    }
  }
  latencies.sort((a, b) => a - b);
  const delivered = latencies.length;
  pool.close();
  await sleep(2_000);
  return {
    clients,
    connected: pool.connected(),
    dropped: pool.dropped(),
    writes: total,
    expectedDeliveries: expected,
    delivered,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? NaN,
    deliveredPerSecond: delivered / ((lastReceipt - started) / 1000 || elapsed),
    rssBeforeBytes: rssBefore,
    rssIdleBytes: rssIdle,
    rssPeakBytes: peakRss,
    bytesPerConnection: (rssIdle - rssBefore) / clients,
  };
}

const api = await startApi();
const runs: SseRun[] = [];
try {
  for (const clients of clientCounts) {
    console.error(`measuring ${clients} clients, ${writesPerSecond} writes/s for ${seconds} s...`);
    runs.push(await measure(api, clients));
  }
} finally {
  await api.stop();
}
const report = renderReport(runs, { writesPerSecond, seconds });
const resultsDir = join(repoRoot, 'bench', 'results');
await mkdir(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
await writeFile(join(resultsDir, `sse-${stamp}.md`), report);
await writeFile(join(resultsDir, `sse-${stamp}.json`), JSON.stringify({ writesPerSecond, seconds, runs }, null, 2));
await writeFile(join(resultsDir, 'sse-latest.md'), report);
console.log(report);
