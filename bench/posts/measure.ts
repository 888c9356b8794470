import { loadavg } from 'node:os';
import { cpuBetween, sampleCpu, type CpuWindow } from '../write/cpu.js';
import type { ServerProcess } from '../write/processes.js';
import { runAutocannonRate, runClosedLoop, runPaced, type LoadResult } from './load.js';
import type { LoadOptions } from './options.js';
import { isRead, type Target, type TargetName } from './targets.js';

export interface Phase {
  load: LoadResult;
  /** CPU over the load: the target's server process (all threads), PostgreSQL, the machine. */
  cpu: CpuWindow;
}

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
    rate = await measured(server, postmaster, () =>
      options.rateTool === 'paced'
        ? runPaced({ ...settings, maxSockets: options.connections })
        : runAutocannonRate({ ...settings, connections: options.connections }),
    );
  }
  return { target: target.name, round, loadAverage: { before, after: loadavg()[0]! }, concurrency, rate };
}
