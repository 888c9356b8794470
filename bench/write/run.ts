/**
 * `npm run bench:write`: Herald's write path (embedded broker and Kafka, consumers on; and on the
 * embedded broker with no consumer in the API process) next to a minimal Fastify + pg server doing
 * the same SQL, and pgbench running that SQL directly; plus read baselines. `--profile` instead
 * profiles Herald under the same load. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { KAFKA_VERSION, startDynamoDbLocal, type DynamoDbLocal } from '@herald/stack';
import pg from 'pg';
import { startInfrastructure, type Infrastructure } from '../publish/infra.js';
import { machineInfo } from '../publish/report.js';
import { findPostmaster } from './cpu.js';
import { measureVariant, type MeasureContext, type VariantResult } from './measure.js';
import { parseOptions, UsageError, USAGE, type RunOptions } from './options.js';
import { pgbenchVersion } from './pgbench.js';
import { killAllProcessesSync, stopAllProcesses } from './processes.js';
import { profileHerald, renderProfile } from './profile.js';
import { computeChecks, renderMarkdown, summarize, type RunReport } from './report.js';
import { onKafka, type EventLogStore, type VariantName } from './variants.js';

let options: RunOptions;
try {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  process.stderr.write(`bench:write: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(64); // EX_USAGE
}

const startedAt = new Date();
const runId = startedAt.getTime().toString(36);
const log = (message: string) => process.stderr.write(`[bench:write ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${message}\n`);

let infra: Infrastructure | undefined;
let postgresDataDir: string | undefined;
let dynamoDb: DynamoDbLocal | undefined;
/**
 * publish/infra.ts ends its admin pool and stops PostgreSQL right after: a pooled connection that
 * is still closing then receives PostgreSQL's "terminating connection" (57P01) with no error
 * listener left, which would end this process with a stack trace (so does Ctrl-C in a terminal,
 * which signals PostgreSQL too). While everything is being stopped that is expected, and only
 * that error is ignored.
 */
let tolerating = false;
function tolerateTerminatedConnections() {
  if (tolerating) return;
  tolerating = true;
  process.on('uncaughtException', (error) => {
    if ((error as { code?: string }).code === '57P01') return;
    log(`failed while stopping: ${error.stack ?? error}`);
    killAllProcessesSync();
    process.exit(1);
  });
}

let stopping: Promise<void> | undefined;
let interrupted = false;
/** Stops what the run started, once, whoever asks first (the end of the run or a signal). */
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    // From here on PostgreSQL may go at any moment (on Ctrl-C it gets the signal too).
    tolerateTerminatedConnections();
    await stopAllProcesses();
    await dynamoDb?.stop().catch(() => {});
    await infra?.stop();
    // publish/infra.ts removes the data directory only after stopping the server itself; a server
    // that was already gone (Ctrl-C in a terminal signals it too) leaves the directory behind.
    if (postgresDataDir) await rm(postgresDataDir, { recursive: true, force: true });
  })();
  return stopping;
}
// Ctrl-C: servers, pgbench, Kafka, DynamoDB Local and PostgreSQL are processes of their own.
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

/** The PostgreSQL server's port (for its postmaster's CPU time) and version, from a probe database. */
async function probePostgres(): Promise<{ postmaster: number; version: string }> {
  const url = await infra!.createDatabase(`bench_write_${runId}_probe`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    const postmaster = findPostmaster(Number(new URL(url).port));
    postgresDataDir = postmaster.dataDir;
    return { postmaster: postmaster.pid, version: rows[0]!.server_version };
  } finally {
    await client.end();
  }
}

async function writeResults(name: string, json: unknown, markdown: string): Promise<string> {
  await mkdir(options.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const base = `${options.outDir}/${name}-${stamp}`;
  await writeFile(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
  await writeFile(`${base}.md`, markdown);
  await writeFile(`${options.outDir}/${name}-latest.md`, markdown);
  return base;
}

async function main() {
  const variants: VariantName[] = options.profile ? [options.profile.variant] : options.variants;
  // Fail before anything starts when a tool is missing.
  const pgbench = variants.includes('pgbench') ? pgbenchVersion(options.measure.pgbench) : null;

  log('starting Kafka and PostgreSQL');
  infra = await startInfrastructure();
  const postgres = await probePostgres();
  let eventLog: EventLogStore = { kind: 'embedded' };
  if (options.dynamodb === 'local' && variants.some(onKafka)) {
    log('starting DynamoDB Local');
    dynamoDb = await startDynamoDbLocal({ inMemory: true });
    eventLog = {
      kind: 'dynamodb-local',
      endpoint: dynamoDb.endpoint,
      region: dynamoDb.region,
      accessKeyId: dynamoDb.credentials.accessKeyId,
      secretAccessKey: dynamoDb.credentials.secretAccessKey,
    };
  }
  const context: MeasureContext = { infra, postmaster: postgres.postmaster, runId, eventLog, options: options.measure };

  if (options.profile) {
    log(`profiling ${options.profile.variant} under ${options.profile.load}: warm-up ${options.measure.warmupSeconds} s, load ${options.measure.durationSeconds} s`);
    const run = await profileHerald(options.profile.variant, options.profile.load, context, options.profile.top, options.profile.keepDir);
    const markdown = renderProfile(run, startedAt.toISOString(), currentCommit(), options.measure);
    const base = await writeResults('write-profile', { startedAt: startedAt.toISOString(), commit: currentCommit(), options: options.measure, ...run }, markdown);
    process.stdout.write(`\n${markdown}\n`);
    log(`profile written to ${base}.md and .json`);
    return;
  }

  const results: VariantResult[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const variant of options.variants) {
      log(`round ${round}/${options.rounds}, ${variant}`);
      const result = await measureVariant(variant, round, context);
      const { load, pipeline } = result.writes;
      log(
        `round ${round}, ${variant}: ${load.requestsPerSecond.toFixed(0)} writes/s, p99 ${load.latencyP99Ms.toFixed(1)} ms` +
          (pipeline
            ? pipeline.consumers
              ? `, pipeline ${pipeline.drained ? `caught up ${pipeline.drainSeconds!.toFixed(2)} s after the load` : 'not caught up'}`
              : `, outbox ${pipeline.drained ? `empty ${pipeline.drainSeconds!.toFixed(2)} s after the load` : 'not emptied'}`
            : '') +
          (result.reads ? `; reads ${result.reads['by-id'].load.requestsPerSecond.toFixed(0)} by id/s, ${result.reads.list.load.requestsPerSecond.toFixed(0)} lists/s` : ''),
      );
      results.push(result);
    }
  }
  const summaries = summarize(results);
  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    commit: currentCommit(),
    versions: { postgres: postgres.version, pgbench, kafka: KAFKA_VERSION },
    eventLog: eventLog.kind === 'embedded' ? 'dynalite in the API process' : 'DynamoDB Local',
    options: { ...options.measure, rounds: options.rounds, variants: options.variants },
    summaries,
    checks: computeChecks(results, summaries),
    results,
  };
  const markdown = renderMarkdown(report);
  const base = await writeResults('write', report, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`results written to ${base}.md and .json`);
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
