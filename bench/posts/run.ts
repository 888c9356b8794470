/**
 * `npm run bench:posts`: posts and comments at scale. Loads 100 000 posts and 1 000 000 comments
 * (by default) into a fresh embedded PostgreSQL, starts Herald on it and a Fastify hello world next
 * to it, each in a process of its own, and measures, in alternating rounds, the most-commented
 * listing (first and deeper pages), single posts by random id and the hello world, at a fixed
 * concurrency and at a fixed rate (the latency target), and comment writes. See bench/posts/README.md.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@herald/stack';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../apps/api/src/db/embedded-postgres.js';
import { migrateUp } from '../../apps/api/src/db/migrate.js';
import { machineInfo } from '../publish/report.js';
import { findPostmaster } from '../write/cpu.js';
import { HERALD_NODE_FLAGS, killAllProcessesSync, stopAllProcesses, type ServerProcess } from '../write/processes.js';
import { checkDataset, describeDistribution, loadDataset } from './dataset.js';
import { measureTarget, type TargetResult } from './measure.js';
import { parseOptions, USAGE, type RunOptions } from './options.js';
import { renderMarkdown, summarize, type RunReport } from './report.js';
import { signUpWriters, startHello, startHerald } from './servers.js';
import { analyzeProfiles } from '../write/cpu-profile.js';
import { makeTarget, readPools, TARGETS } from './targets.js';

let options: RunOptions;
try {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  process.stderr.write(`bench:posts: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(64); // EX_USAGE
}

const startedAt = new Date();
const log = (message: string) => process.stderr.write(`[bench:posts ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${message}\n`);
const silentMigrationLog = { info: () => {}, warn: () => {}, error: () => {} };

let postgresDir: string | undefined;
let database: EmbeddedDatabase | undefined;
let db: pg.Pool | undefined;
let herald: ServerProcess | undefined;

let stopping: Promise<void> | undefined;
let interrupted = false;
/** Stops what the run started, once, whoever asks first (the end of the run or a signal). */
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    await stopAllProcesses();
    await db?.end().catch(() => {});
    await database?.stop().catch(() => {});
    if (postgresDir) await rm(postgresDir, { recursive: true, force: true });
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping everything this run started`);
    void stopEverything().finally(() => process.exit(130));
  });
}
process.on('exit', killAllProcessesSync);

/** The commit measured, and whether the code under test (apps, packages) differed from it. */
function currentCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'apps', 'packages') !== '';
    return changed ? `${commit} (with uncommitted changes in apps/ or packages/)` : commit;
  } catch {
    return 'unknown';
  }
}

async function writeResults(report: RunReport, markdown: string): Promise<string> {
  await mkdir(options.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const base = `${options.outDir}/posts-${stamp}`;
  await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  await writeFile(`${base}.md`, markdown);
  await writeFile(`${options.outDir}/posts-latest.md`, markdown);
  return base;
}

async function main() {
  const { dataset, load } = options;
  log('starting PostgreSQL');
  postgresDir = await mkdtemp(join(tmpdir(), 'herald-bench-posts-pg-'));
  // As root the embedded PostgreSQL runs as an unprivileged user, which must be able to enter it.
  await chmod(postgresDir, 0o755);
  const postgresPort = await findFreePort();
  database = await startEmbeddedPostgres(postgresDir, postgresPort);
  const postmaster = findPostmaster(postgresPort).pid;
  await migrateUp(database.databaseUrl, silentMigrationLog);
  db = new pg.Pool({ connectionString: database.databaseUrl, max: 1, application_name: 'herald-bench-posts' });
  db.on('error', () => {});
  const { rows: settings } = await db.query<{ version: string; shared_buffers: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers`,
  );

  log(`loading ${dataset.posts} posts and ${dataset.comments} comments by ${dataset.users} users`);
  const timings = await loadDataset(database.databaseUrl, dataset, log);
  const checkAfterLoad = await checkDataset(db);
  if (!checkAfterLoad.ok) throw new Error(`the loaded data is not consistent (comment counts, references): ${JSON.stringify(checkAfterLoad)}`);
  const distribution = await describeDistribution(db);
  log(
    `loaded in ${timings.totalSeconds.toFixed(1)} s; comment counts and each post's two newest comments exact, references hold; ${(distribution.withoutComments * 100).toFixed(0)} % of posts without comments, ` +
      `median ${distribution.median}, p99 ${distribution.p99}, most ${distribution.max}`,
  );
  const pools = await readPools(db, load.cursors);

  log('starting Herald and the hello-world server');
  const hello = await startHello();
  herald = await startHerald(database.databaseUrl, options.logLevel, options.cpuProfileDir, options.heraldNodeFlags);
  const writers = await signUpWriters(herald.url, load.writers);
  const targets = TARGETS.map((name) => makeTarget(name, { ...pools, writers }));

  const results: TargetResult[] = [];
  for (let round = 1; round <= load.rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      log(`round ${round}/${load.rounds}, ${target.name}`);
      const result = await measureTarget(target, round, { servers: { hello, herald }, postmaster, db: db!, options: load });
      const c = result.concurrency.load;
      const r = result.rate?.load;
      log(
        `round ${round}, ${target.name}: ${c.requestsPerSecond.toFixed(0)}/s at ${load.connections} connections, p99 ${c.latencyP99Ms.toFixed(1)} ms` +
          (r ? `; at ${load.rate}/s: ${r.requestsPerSecond.toFixed(0)}/s answered, p50 ${r.latencyP50Ms.toFixed(1)} ms, p99 ${r.latencyP99Ms.toFixed(1)} ms` : '') +
          (c.non2xx + c.errors + (r ? r.non2xx + r.errors : 0) > 0 ? ` (non-2xx ${c.non2xx + (r?.non2xx ?? 0)}, errors ${c.errors + (r?.errors ?? 0)})` : ''),
      );
      results.push(result);
    }
  }

  // Stopped gracefully first, so that every comment written has committed before the count.
  await herald.stop();
  const checkAtEnd = await checkDataset(db);
  if (options.cpuProfileDir) await printBusiestFunctions(options.cpuProfileDir);
  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    commit: currentCommit(),
    machine: machineInfo(),
    postgres: { version: settings[0]!.version, sharedBuffers: settings[0]!.shared_buffers },
    dataset: { ...dataset, load: timings, distribution, checkAfterLoad, checkAtEnd },
    options: load,
    herald: { logLevel: options.logLevel, nodeFlags: [...HERALD_NODE_FLAGS, ...options.heraldNodeFlags] },
    summaries: summarize(results, load),
    results,
  };
  const markdown = renderMarkdown(report);
  const base = await writeResults(report, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`results written to ${base}.md and .json`);
  if (!checkAtEnd.ok) throw new Error(`the data is not consistent after the run (comment counts, references): ${JSON.stringify(checkAtEnd)}`);
}

/** Where Herald's threads spent their CPU over the whole run (every target), busiest first. */
async function printBusiestFunctions(dir: string): Promise<void> {
  for (const thread of await analyzeProfiles(dir, 25)) {
    process.stdout.write(`\n${thread.label} (thread ${thread.threadId}): busy ${thread.busyMs.toFixed(0)} ms, idle ${thread.idleMs.toFixed(0)} ms\n`);
    for (const f of thread.top) process.stdout.write(`  ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.functionName || '(anonymous)'}  ${f.location}\n`);
  }
}

try {
  await main();
} catch (error) {
  // Once interrupted, whatever was under way fails because its processes are being stopped.
  if (!interrupted) log(`failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  log('stopping everything this run started');
  await stopEverything();
}
