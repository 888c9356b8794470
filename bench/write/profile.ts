import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { analyzeProfiles, type ThreadProfile } from './cpu-profile.js';
import { migrateUp } from '../../apps/api/src/db/migrate.js';
import { measureRead, measureWrites, silentMigrationLog, type MeasureContext, type ReadPhase, type WritePhase } from './measure.js';
import type { ProfiledLoad, ProfiledVariant } from './options.js';
import { drainOf, isHerald, LABELS, startServer } from './variants.js';

/**
 * `npm run bench:write -- --profile`: one variant (by default Herald on the embedded broker with
 * its consumers; see `--profile-variant`) under the benchmark's write load, or after it under one
 * of the read loads (`--profile-load`), with `--cpu-prof`. Worker threads inherit the flag (the
 * publisher worker is started without execArgv of its own), so every thread writes a profile when
 * it exits; the server is stopped gracefully for that.
 */
export interface ProfileRun {
  variant: ProfiledVariant;
  load: ProfiledLoad;
  writes: WritePhase;
  /** With a read load: the profiled span is this phase, after the writes. */
  reads: ReadPhase | null;
  threads: ThreadProfile[];
  keptIn: string | undefined;
}

export async function profileHerald(
  variant: ProfiledVariant,
  profiledLoad: ProfiledLoad,
  context: MeasureContext,
  top: number,
  keepDir: string | undefined,
): Promise<ProfileRun> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-bench-profile-'));
  const id = `profile_${context.runId}`;
  const databaseUrl = await context.infra.createDatabase(`bench_write_${id}`);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'herald-bench-write' });
  // An idle connection that PostgreSQL ends (it is being stopped, e.g. on Ctrl-C) must not end the
  // run by itself: the next query reports the problem where it matters.
  db.on('error', () => {});
  try {
    // Herald migrates its database itself; the minimal server gets the very same schema.
    if (!isHerald(variant)) await migrateUp(databaseUrl, silentMigrationLog);
    const server = await startServer(variant, {
      databaseUrl,
      namespace: `bench-write-${context.runId}-profile`,
      brokers: context.infra.brokers,
      eventLog: context.eventLog,
      logLevel: context.options.logLevel,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    let writes: WritePhase;
    let reads: ReadPhase | null = null;
    try {
      ({ writes } = await measureWrites(server, db, drainOf(variant), id, context));
      if (profiledLoad !== 'writes') reads = await measureRead(server, db, profiledLoad === 'reads-by-id' ? 'by-id' : 'list', context);
    } finally {
      await server.stop();
    }
    const threads = await analyzeProfiles(dir, top, (reads ?? writes).window);
    if (threads.length === 0) throw new Error(`the server wrote no CPU profile into ${dir}`);
    if (keepDir) {
      await mkdir(keepDir, { recursive: true });
      await cp(dir, keepDir, { recursive: true });
    }
    return { variant, load: profiledLoad, writes, reads, threads, keptIn: keepDir };
  } finally {
    await db.end();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Threads that were this idle over the measured span get one line, not a table. */
const QUIET_THREAD_MS = 20;
const fixed = (value: number | null | undefined, digits = 0) => (value == null ? '–' : value.toFixed(digits));

function writesSummary(run: ProfileRun, commit: string, options: MeasureContext['options']): string[] {
  const { load, pipeline, cpuThroughDrain } = run.writes;
  return [
    `Commit ${commit}. ${LABELS[run.variant]} (${run.variant}), \`--cpu-prof\` on every thread; ` +
      `${options.connections} connections, ${options.durationSeconds} s of \`POST /api/v1/products\` after ${options.warmupSeconds} s of warm-up. ` +
      `Only samples from the start of the measured load until the pipeline had caught up are counted. ` +
      `Profiling slows the server down: throughput here is not comparable with bench:write's.`,
    '',
    `Under the profiler: ${fixed(load.requestsPerSecond)} writes/s, p99 ${fixed(load.latencyP99Ms, 1)} ms, ` +
      `server CPU ${fixed(((cpuThroughDrain.serverCpuSeconds ?? 0) * 1000) / Math.max(1, load.requests), 2)} ms/write, ` +
      `${pipeline?.consumers ? 'pipeline caught up' : 'outbox empty'} ${pipeline?.drained ? `${fixed(pipeline.drainSeconds, 2)} s after the load` : 'not within the timeout'}.`,
    '',
  ];
}

function readsSummary(run: ProfileRun, reads: ReadPhase, commit: string, options: MeasureContext['options']): string[] {
  const request = run.load === 'reads-by-id' ? 'GET /api/v1/products/{id}' : 'GET /api/v1/products?limit=20';
  return [
    `Commit ${commit}. ${LABELS[run.variant]} (${run.variant}), \`--cpu-prof\` on every thread; ` +
      `${options.connections} connections, ${options.readDurationSeconds} s of \`${request}\` after ${options.warmupSeconds} s of warm-up, ` +
      `over the products ${fixed(run.writes.load.requests)} writes created first. Only samples of the measured read load are counted. ` +
      `Profiling slows the server down: throughput here is not comparable with bench:write's.`,
    '',
    `Under the profiler: ${fixed(reads.load.requestsPerSecond)} reads/s, p99 ${fixed(reads.load.latencyP99Ms, 1)} ms, ` +
      `server CPU ${fixed(((reads.cpu.serverCpuSeconds ?? 0) * 1000) / Math.max(1, reads.load.requests), 3)} ms/read.`,
    '',
  ];
}

export function renderProfile(run: ProfileRun, startedAt: string, commit: string, options: MeasureContext['options']): string {
  const header = [
    `# Where the ${run.reads ? 'read' : 'write'} path spends its CPU: ${LABELS[run.variant]} — ${startedAt}`,
    '',
  ];
  const lines = run.reads ? [...header, ...readsSummary(run, run.reads, commit, options)] : [...header, ...writesSummary(run, commit, options)];
  const quiet = run.threads.filter((thread) => thread.busyMs < QUIET_THREAD_MS);
  for (const thread of run.threads.filter((t) => t.busyMs >= QUIET_THREAD_MS)) {
    lines.push(
      `## Thread ${thread.threadId}: ${thread.label}`,
      '',
      `Busy ${fixed(thread.busyMs / 1000, 2)} s, idle ${fixed(thread.idleMs / 1000, 2)} s over the measured span. Top ${thread.top.length} functions by self time:`,
      '',
      '| # | self ms | % of busy | function | where |',
      '|---:|---:|---:|---|---|',
      ...thread.top.map(
        (f, index) => `| ${index + 1} | ${fixed(f.selfMs)} | ${fixed(f.share * 100, 1)} | \`${f.functionName}\` | ${f.location ? `\`${f.location}\`` : ''} |`,
      ),
      '',
      'By package (each sample charged to the nearest package on its stack, so native calls such as `writev` count for the package that made them):',
      '',
      '| package | ms | % of busy |',
      '|---|---:|---:|',
      ...thread.packages.map((p) => `| \`${p.name}\` | ${fixed(p.selfMs)} | ${fixed(p.share * 100, 1)} |`),
      '',
    );
  }
  if (quiet.length > 0) {
    lines.push(
      `Next to no CPU (under ${QUIET_THREAD_MS} ms) over the measured span: ` +
        quiet.map((thread) => `thread ${thread.threadId} (${thread.label})`).join(', ') + '.',
      '',
    );
  }
  if (run.keptIn) lines.push(`The .cpuprofile files are in ${run.keptIn} (open them in Chrome DevTools or speedscope).`, '');
  return lines.join('\n');
}
