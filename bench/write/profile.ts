import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { analyzeProfiles, type ThreadProfile } from './cpu-profile.js';
import { measureWrites, type MeasureContext, type WritePhase } from './measure.js';
import type { ProfiledVariant } from './options.js';
import { drainOf, LABELS, startServer } from './variants.js';

/**
 * `npm run bench:write -- --profile`: Herald on the embedded broker (consumers on, or with
 * `--profile-variant herald-embedded-api` off) under the benchmark's write load, with `--cpu-prof`. Worker threads inherit the flag (the publisher worker
 * is started without execArgv of its own), so every thread writes a profile when it exits; the
 * server is stopped gracefully for that.
 */
export interface ProfileRun {
  variant: ProfiledVariant;
  writes: WritePhase;
  threads: ThreadProfile[];
  keptIn: string | undefined;
}

export async function profileHerald(
  variant: ProfiledVariant,
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
    const server = await startServer(variant, {
      databaseUrl,
      namespace: `bench-write-${context.runId}-profile`,
      brokers: context.infra.brokers,
      eventLog: context.eventLog,
      logLevel: context.options.logLevel,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    let writes: WritePhase;
    try {
      ({ writes } = await measureWrites(server, db, drainOf(variant), id, context));
    } finally {
      await server.stop();
    }
    const threads = await analyzeProfiles(dir, top, writes.window);
    if (threads.length === 0) throw new Error(`the server wrote no CPU profile into ${dir}`);
    if (keepDir) {
      await mkdir(keepDir, { recursive: true });
      await cp(dir, keepDir, { recursive: true });
    }
    return { variant, writes, threads, keptIn: keepDir };
  } finally {
    await db.end();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Threads that were this idle over the measured span get one line, not a table. */
const QUIET_THREAD_MS = 20;
const fixed = (value: number | null | undefined, digits = 0) => (value == null ? '–' : value.toFixed(digits));

export function renderProfile(run: ProfileRun, startedAt: string, commit: string, options: MeasureContext['options']): string {
  const { load, pipeline, cpuThroughDrain } = run.writes;
  const lines = [
    `# Where Herald's write path spends its CPU — ${startedAt}`,
    '',
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
