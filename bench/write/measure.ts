import { loadavg } from 'node:os';
import pg from 'pg';
import { migrateUp } from '../../apps/api/src/db/migrate.js';
import type { Infrastructure } from '../publish/infra.js';
import { runLoad, type LoadResult } from '../publish/load.js';
import { cpuBetween, monotonicMicros, sampleCpu, type CpuSample, type CpuWindow } from './cpu.js';
import { runPgbench } from './pgbench.js';
import { pipelineState, waitForPipeline, type PipelineResult } from './pipeline.js';
import type { ServerProcess } from './processes.js';
import { runReadLoad, type ReadKind } from './reads.js';
import { drainOf, isHerald, measuresReads, startServer, type Drain, type EventLogStore, type VariantName } from './variants.js';

export interface MeasureOptions {
  connections: number;
  durationSeconds: number;
  readDurationSeconds: number;
  warmupSeconds: number;
  drainTimeoutSeconds: number;
  /** Herald's LOG_LEVEL. */
  logLevel: string;
  pgbench: string;
}

export interface MeasureContext {
  infra: Infrastructure;
  /** pid of the PostgreSQL server every variant uses, for its CPU time. */
  postmaster: number;
  runId: string;
  eventLog: EventLogStore;
  options: MeasureOptions;
}

export interface Phase {
  load: LoadResult;
  /** The load alone. */
  cpu: CpuWindow;
}

export interface WritePhase extends Phase {
  /** Outbox rows committed from load start until the end (drained or timed out). */
  written: number;
  /**
   * Herald: from load start until the pipeline drained (or the timeout), the outbox alone when no
   * consumer runs (A′); the others: the load.
   */
  cpuThroughDrain: CpuWindow;
  /** Load start until the end of the drain, monotonic microseconds: the span a CPU profile is cut to. */
  window: [number, number];
  /**
   * Herald only. `consumed` and `sustainedPerSecond` (events analytics applied, and their rate over
   * load + drain) are null when no consumer runs.
   */
  pipeline: (PipelineResult & { loadSeconds: number; consumed: number | null; sustainedPerSecond: number | null }) | null;
}

export interface VariantResult {
  variant: VariantName;
  round: number;
  /** 1-minute load average before and after: how busy the machine was besides the benchmark. */
  loadAverage: { before: number; after: number };
  /** Herald: whether the warm-up's events had gone all the way through before the load. */
  warmupDrained: boolean | null;
  writes: WritePhase;
  reads: Record<ReadKind, Phase> | null;
}

export const silentMigrationLog = { info: () => {}, warn: () => {}, error: () => {} };
const READ_IDS = 2_000;

async function countOutbox(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM outbox');
  return rows[0]!.count;
}

function sample(server: ServerProcess | null, context: MeasureContext): CpuSample {
  return sampleCpu(server?.pid ?? null, context.postmaster);
}

async function measurePgbench(databaseUrl: string, db: pg.Pool, context: MeasureContext): Promise<WritePhase> {
  const { options } = context;
  const settings = { command: options.pgbench, databaseUrl, clients: options.connections };
  if (options.warmupSeconds > 0) await runPgbench({ ...settings, durationSeconds: options.warmupSeconds }, false);
  const before = await countOutbox(db);
  const start = sample(null, context);
  const windowStart = monotonicMicros();
  const load = await runPgbench({ ...settings, durationSeconds: options.durationSeconds }, true);
  const cpu = cpuBetween(start, sample(null, context));
  const window: [number, number] = [windowStart, monotonicMicros()];
  return { load, cpu, cpuThroughDrain: cpu, written: (await countOutbox(db)) - before, window, pipeline: null };
}

/**
 * Warm-up, measured write load and, for Herald, the wait until its pipeline has caught up (`drain`:
 * the consumers too, or the outbox alone when none runs).
 */
export async function measureWrites(server: ServerProcess, db: pg.Pool, drain: Drain, id: string, context: MeasureContext) {
  const { options } = context;
  const common = { url: server.url, connections: options.connections, kind: 'create-products', authorization: server.authorization } as const;
  const herald = drain !== 'none';
  const consumers = drain === 'consumers';
  let warmupDrained: boolean | null = null;
  if (options.warmupSeconds > 0) {
    await runLoad({ ...common, durationSeconds: options.warmupSeconds, skuPrefix: `${id}-warmup` });
  }
  if (herald) {
    const now = Date.now();
    warmupDrained = (await waitForPipeline(db, server.url, now, now + options.drainTimeoutSeconds * 1000, consumers)).drained;
  }

  const before = await countOutbox(db);
  const consumedBefore = consumers ? (await pipelineState(db, server.url)).processed : 0;
  const start = sample(server, context);
  const windowStart = monotonicMicros();
  const loadStart = Date.now();
  const load = await runLoad({ ...common, durationSeconds: options.durationSeconds, skuPrefix: `${id}-load` });
  const loadEnd = Date.now();
  const afterLoad = sample(server, context);
  let pipeline: WritePhase['pipeline'] = null;
  let end = afterLoad;
  if (herald) {
    const result = await waitForPipeline(db, server.url, loadEnd, loadEnd + options.drainTimeoutSeconds * 1000, consumers);
    end = sample(server, context);
    const loadSeconds = (loadEnd - loadStart) / 1000;
    const consumed = consumers ? result.atEnd.processed - consumedBefore : null;
    // Not drained: what went all the way through over load + the whole timeout.
    const throughSeconds = loadSeconds + (result.drainSeconds ?? options.drainTimeoutSeconds);
    pipeline = { ...result, loadSeconds, consumed, sustainedPerSecond: consumed === null ? null : consumed / throughSeconds };
  }
  const writes: WritePhase = {
    load,
    cpu: cpuBetween(start, afterLoad),
    cpuThroughDrain: cpuBetween(start, end),
    written: (await countOutbox(db)) - before,
    window: [windowStart, monotonicMicros()],
    pipeline,
  };
  return { writes, warmupDrained };
}

export interface ReadPhase extends Phase {
  /** Load start until its end, monotonic microseconds: the span a CPU profile is cut to. */
  window: [number, number];
}

/** Up to READ_IDS ids of the products the write load created, in random order. */
async function readIds(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM products ORDER BY random() LIMIT $1', [READ_IDS]);
  return rows.map((row) => row.id);
}

/** Warm-up and measured load of one kind of read, over products the write load created. */
export async function measureRead(
  server: ServerProcess,
  db: pg.Pool,
  kind: ReadKind,
  context: MeasureContext,
  ids?: string[],
): Promise<ReadPhase> {
  const { options } = context;
  const common = { url: server.url, kind, ids: ids ?? (await readIds(db)), connections: options.connections };
  if (options.warmupSeconds > 0) await runReadLoad({ ...common, durationSeconds: options.warmupSeconds });
  const start = sample(server, context);
  const windowStart = monotonicMicros();
  const load = await runReadLoad({ ...common, durationSeconds: options.readDurationSeconds });
  return { load, cpu: cpuBetween(start, sample(server, context)), window: [windowStart, monotonicMicros()] };
}

async function measureReads(server: ServerProcess, db: pg.Pool, context: MeasureContext): Promise<Record<ReadKind, Phase>> {
  const phases = {} as Record<ReadKind, Phase>;
  const ids = await readIds(db);
  for (const kind of ['by-id', 'list'] as const) {
    const { load, cpu } = await measureRead(server, db, kind, context, ids);
    phases[kind] = { load, cpu };
  }
  return phases;
}

/** One variant in one round: a fresh database, its server in a process of its own, warm-up, load, drain, reads. */
export async function measureVariant(variant: VariantName, round: number, context: MeasureContext): Promise<VariantResult> {
  const { infra, runId, options } = context;
  const namespace = `bench-write-${runId}-${round}-${variant}`;
  const id = `${variant.replace(/-/g, '_')}_${runId}_${round}`;
  const loadBefore = loadavg()[0]!;
  const databaseUrl = await infra.createDatabase(`bench_write_${id}`);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'herald-bench-write' });
  // An idle connection that PostgreSQL ends (it is being stopped, e.g. on Ctrl-C) must not end the
  // run by itself: the next query reports the problem where it matters.
  db.on('error', () => {});
  try {
    // Herald migrates its database itself; the others get the very same schema.
    if (!isHerald(variant)) await migrateUp(databaseUrl, silentMigrationLog);
    if (variant === 'pgbench') {
      const writes = await measurePgbench(databaseUrl, db, context);
      return { variant, round, loadAverage: { before: loadBefore, after: loadavg()[0]! }, warmupDrained: null, writes, reads: null };
    }
    const server = await startServer(variant, {
      databaseUrl,
      namespace,
      brokers: infra.brokers,
      eventLog: context.eventLog,
      logLevel: options.logLevel,
    }).catch((error) => {
      throw new Error(`${variant} could not start: ${(error as Error).message}`);
    });
    try {
      const { writes, warmupDrained } = await measureWrites(server, db, drainOf(variant), id, context);
      const reads = measuresReads(variant) ? await measureReads(server, db, context) : null;
      return { variant, round, loadAverage: { before: loadBefore, after: loadavg()[0]! }, warmupDrained, writes, reads };
    } finally {
      await server.stop();
    }
  } finally {
    await db.end();
  }
}
