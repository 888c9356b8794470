import { loadavg } from 'node:os';
import type pg from 'pg';
import { cpuBetween, sampleCpu, type CpuWindow } from '../write/cpu.js';
import type { ServerProcess } from '../write/processes.js';
import { runAutocannonRate, runClosedLoop, runPaced, type LoadResult } from './load.js';
import type { LoadOptions } from './options.js';
import { isRead, type Target, type TargetName } from './targets.js';

export interface Phase {
  load: LoadResult;
  /** CPU over the load: the target's server process (all threads), PostgreSQL, the machine. */
  cpu: CpuWindow;
  /**
   * PostgreSQL's own maintenance that overlapped the load: `posts: autovacuum` for a table that
   * was being vacuumed at its start or end, or whose autovacuum/autoanalyze count grew during it.
   */
  maintenance?: string[];
  /**
   * Herald only: the longest its event loop was held up during the load (prom-client's
   * `nodejs_eventloop_lag_max_seconds`, whose histogram every scrape of /metrics resets).
   */
  serverLoopDelayMaxMs?: number;
}

/** Herald's longest event-loop delay since its /metrics were last read. */
async function serverLoopDelayMaxMs(url: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`)
    .then((response) => response.text())
    .catch(() => '');
  const match = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return match ? Number(match[1]) * 1000 : undefined;
}

/** What PostgreSQL's background maintenance is doing and has done, per table. */
interface MaintenanceSample {
  running: string[];
  counts: Map<string, { vacuums: number; analyzes: number }>;
}

async function sampleMaintenance(db: MaintenanceDb): Promise<MaintenanceSample> {
  const { rows } = await db.query<{ name: string; vacuums: number; analyzes: number; running: boolean }>(
    `SELECT t.relname AS name, t.autovacuum_count::int AS vacuums, t.autoanalyze_count::int AS analyzes,
            EXISTS (SELECT 1 FROM pg_stat_progress_vacuum v WHERE v.relid = t.relid) AS running
     FROM pg_stat_user_tables t WHERE t.schemaname = 'public'`,
  );
  return {
    running: rows.filter((row) => row.running).map((row) => `${row.name}: autovacuum`),
    counts: new Map(rows.map((row) => [row.name, { vacuums: row.vacuums, analyzes: row.analyzes }])),
  };
}

function maintenanceBetween(start: MaintenanceSample, end: MaintenanceSample): string[] {
  const found = new Set([...start.running, ...end.running]);
  for (const [name, after] of end.counts) {
    const before = start.counts.get(name);
    if (!before) continue;
    if (after.vacuums > before.vacuums) found.add(`${name}: autovacuum`);
    if (after.analyzes > before.analyzes) found.add(`${name}: autoanalyze`);
  }
  return [...found].sort();
}

/** The benchmark's own connection to the loaded database, for its statistics views. */
type MaintenanceDb = pg.Pool;

export interface TargetResult {
  target: TargetName;
  round: number;
  /** 1-minute load average before and after: how busy the machine was besides the benchmark. */
  loadAverage: { before: number; after: number };
  /** `--connections` connections, each sending its next request when the last is answered. */
  concurrency: Phase;
  /** Reads only: `--rate` requests/s, for the latency target. */
  rate: Phase | null;
}

export interface MeasureContext {
  servers: { hello: ServerProcess; herald: ServerProcess };
  /** pid of the PostgreSQL server, for its CPU time. */
  postmaster: number;
  /** The loaded database, read for PostgreSQL's maintenance during each fixed-rate load. */
  db: MaintenanceDb;
  options: LoadOptions;
}

async function measured(server: ServerProcess, postmaster: number, run: () => Promise<LoadResult>): Promise<Phase> {
  const start = sampleCpu(server.pid, postmaster);
  const load = await run();
  return { load, cpu: cpuBetween(start, sampleCpu(server.pid, postmaster)) };
}

/** One target in one round: warm-up, the fixed-concurrency load, then (reads) the fixed-rate load. */
export async function measureTarget(target: Target, round: number, context: MeasureContext): Promise<TargetResult> {
  const { options, postmaster } = context;
  const server = context.servers[target.server];
  const closed = (durationSeconds: number) =>
    runClosedLoop({ url: server.url, connections: options.connections, durationSeconds, next: target.next });
  const before = loadavg()[0]!;
  if (options.warmupSeconds > 0) await closed(options.warmupSeconds);
  const concurrency = await measured(server, postmaster, () => closed(options.durationSeconds));
  let rate: Phase | null = null;
  if (isRead(target.name)) {
    const settings = { url: server.url, rate: options.rate, durationSeconds: options.durationSeconds, next: target.next };
    const maintenanceAtStart = await sampleMaintenance(context.db);
    if (target.server === 'herald') await serverLoopDelayMaxMs(server.url);
    rate = await measured(server, postmaster, () =>
      options.rateTool === 'paced'
        ? runPaced({ ...settings, maxSockets: options.connections })
        : runAutocannonRate({ ...settings, connections: options.connections }),
    );
    rate.maintenance = maintenanceBetween(maintenanceAtStart, await sampleMaintenance(context.db));
    if (target.server === 'herald') {
      const delay = await serverLoopDelayMaxMs(server.url);
      if (delay !== undefined) rate.serverLoopDelayMaxMs = delay;
    }
  }
  return { target: target.name, round, loadAverage: { before, after: loadavg()[0]! }, concurrency, rate };
}
