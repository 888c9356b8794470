/**
 * `npm run bench:feed`: news feeds at scale. Loads a synthetic follow graph (power-law follower
 * counts) into DynamoDB Local, then, for push-only, pull-only and hybrid fan-out at three
 * celebrity thresholds, side by side in alternating rounds: posts at a steady rate through one
 * fan-out replica (the fan-out's own handlers and stores, Redis in front of the feeds) while
 * readers read feeds. Reports post-to-feed latency by author size, fan-out writes/s, feed read
 * latency and reads/s, and one replica's fan-out capacity. See bench/feed/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { createEventLogClient } from '@herald/event-log';
import { ensureFanoutTables, loadFeedSettings, openFeedCache, type FeedCache, type FeedSettings } from '@herald/fanout';
import { startDynamoDbLocal, startRedis, type DynamoDbLocal, type RedisServer } from '@herald/stack';
import { machineInfo } from '../publish/report.js';
import { generateGraph, loadGraph, seededRandom, sizeClassOf, SIZE_CLASSES, type SizeClass } from './graph.js';
import { parseOptions, USAGE, type RunOptions } from './options.js';
import { renderMarkdown, summarize, type RunReport } from './report.js';
import { runBurst, runPhase, type BurstResult, type Mode, type PhaseContext, type PhaseResult } from './workload.js';

let options: RunOptions;
try {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  process.stderr.write(`bench:feed: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(64); // EX_USAGE
}

const startedAt = new Date();
const log = (message: string) => process.stderr.write(`[bench:feed ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${message}\n`);

let dynamodb: DynamoDbLocal | undefined;
let redis: RedisServer | undefined;
const caches: FeedCache[] = [];
let stopping: Promise<void> | undefined;
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    await Promise.all([dynamodb?.stop(), redis?.stop()]);
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything this run started`);
    void stopEverything().finally(() => process.exit(130));
  });
}

function currentCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'apps/fanout', 'bench/feed') !== '';
    return changed ? `${commit} (with uncommitted changes in apps/fanout or bench/feed)` : commit;
  } catch {
    return 'unknown';
  }
}

async function main() {
  const loadAverageAtStart = loadavg()[0]!;
  log(`load average ${loadAverageAtStart.toFixed(2)}; starting DynamoDB Local and Redis`);
  [dynamodb, redis] = await Promise.all([startDynamoDbLocal(), startRedis()]);
  const client = createEventLogClient({ endpoint: dynamodb.endpoint, region: dynamodb.region, credentials: dynamodb.credentials });

  const graph = generateGraph(options.graph);
  const followerCounts = new Map(graph.users.map((id, i) => [id, graph.followers[i]!.length]));
  const authorsByClass = new Map<SizeClass, string[]>(SIZE_CLASSES.map(({ name }) => [name, []]));
  for (const [id, count] of followerCounts) authorsByClass.get(sizeClassOf(count))!.push(id);
  for (const [size, authors] of authorsByClass) if (authors.length === 0) throw new Error(`no account has ${size} followers: raise --max-followers or --users`);
  const pick = seededRandom(options.graph.seed + 1);
  const readers = graph.users.filter((id) => graph.following.get(id)!.length > 0);
  const activeReaders = Array.from({ length: Math.min(options.workload.activeReaders, readers.length) }, () => readers[Math.floor(pick() * readers.length)]!);

  const base = loadFeedSettings({
    FANOUT_TABLE_PREFIX: 'bench-',
    FANOUT_TASK_SPAN: String(options.taskSpan),
    FANOUT_BATCH_SIZE: '1000',
    REDIS_URL: redis.url,
  });
  const settingsFor = (name: string, threshold: number): FeedSettings => ({
    ...base,
    celebrityThreshold: threshold,
    tables: { followGraph: base.tables.followGraph, feeds: `bench-${name}-feeds`, authorPosts: `bench-${name}-author-posts` },
  });
  const modes: Mode[] = [
    { name: 'push-only', threshold: 1_000_000_000 },
    { name: 'pull-only', threshold: 1 },
    ...options.thresholds.map((threshold) => ({ name: `hybrid-${threshold}`, threshold })),
  ];
  const contexts = new Map<string, PhaseContext>();
  const contextFor = async (name: string, threshold: number): Promise<PhaseContext> => {
    const settings = settingsFor(name, threshold);
    await ensureFanoutTables(client, settings);
    const writerCache = openFeedCache(settings)!;
    const readerCache = openFeedCache(settings)!;
    caches.push(writerCache, readerCache);
    await Promise.all([writerCache.connected(5_000), readerCache.connected(5_000)]);
    return { client, settings, writerCache, readerCache, graph, followerCounts, authorsByClass, activeReaders };
  };
  for (const mode of modes) contexts.set(mode.name, await contextFor(mode.name, mode.threshold));
  const burstContext = await contextFor('burst', 1_000_000_000);

  log(`loading ${graph.users.length} users and ${graph.edges} follow edges into DynamoDB Local`);
  const loadStart = Date.now();
  await loadGraph(client, base.tables.followGraph, graph, (done) => log(`  ${done} items written`));
  const loadSeconds = (Date.now() - loadStart) / 1000;
  log(`graph loaded in ${loadSeconds.toFixed(0)} s`);

  const phases: PhaseResult[] = [];
  const bursts: BurstResult[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? modes : [...modes].reverse();
    for (const mode of order) {
      log(`round ${round}/${options.rounds}: ${mode.name} (load average ${loadavg()[0]!.toFixed(2)})`);
      const result = await runPhase(mode, round, contexts.get(mode.name)!, options.workload);
      log(
        `  posts p50/p99 ${result.posts.all.p50Ms}/${result.posts.all.p99Ms} ms, ${result.fanout.entriesPerSecond.toFixed(0)} entries/s, drained in ${result.fanout.drainSeconds.toFixed(1)} s; ` +
          `reads ${result.reads.perSecond.toFixed(0)}/s p50/p99 ${result.reads.p50Ms}/${result.reads.p99Ms} ms`,
      );
      phases.push(result);
    }
    log(`round ${round}: fan-out capacity burst`);
    const burst = await runBurst(round, burstContext, options.workload);
    log(`  ${burst.entries} entries in ${burst.seconds.toFixed(2)} s: ${burst.entriesPerSecond.toFixed(0)}/s, ${burst.cpuMsPerThousand.toFixed(1)} ms CPU per 1 000`);
    bursts.push(burst);
  }

  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    commit: currentCommit(),
    machine: machineInfo(),
    loadAverageAtStart,
    options,
    graph: {
      users: graph.users.length,
      edges: graph.edges,
      maxFollowers: options.graph.maxFollowers,
      followersAtRank: Object.fromEntries([1, 2, 5, 10, 100, 1000].filter((rank) => rank <= graph.users.length).map((rank) => [String(rank), graph.followers[rank - 1]!.length])),
      usersByClass: Object.fromEntries([...authorsByClass].map(([size, authors]) => [size, authors.length])) as Record<SizeClass, number>,
      loadSeconds,
    },
    summaries: summarize(phases),
    bursts,
    phases,
  };
  const markdown = renderMarkdown(report);
  await mkdir(options.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const baseName = `${options.outDir}/feed-${stamp}`;
  await writeFile(`${baseName}.json`, JSON.stringify(report, null, 2) + '\n');
  await writeFile(`${baseName}.md`, markdown);
  await writeFile(`${options.outDir}/feed-latest.md`, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`results written to ${baseName}.md and .json`);
  client.destroy();
}

try {
  await main();
} catch (error) {
  log(`failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  log('stopping everything this run started');
  await stopEverything();
}
