import { median } from '../write/stats.js';
import { SIZE_CLASSES, type SizeClass } from './graph.js';
import type { RunOptions } from './options.js';
import type { BurstResult, PhaseResult } from './workload.js';

export interface ModeSummary {
  mode: string;
  threshold: number;
  rounds: number;
  postsPerRound: number;
  paths: { push: number; tasks: number; pull: number };
  postP50Ms: number;
  postP99Ms: number;
  /** The highest p99 of any round. */
  postWorstP99Ms: number;
  byClass: Record<SizeClass, { p50Ms: number; p99Ms: number; count: number }>;
  entriesPerSecond: number;
  /** Feed entries written per post (write amplification of the push part). */
  entriesPerPost: number;
  drainSeconds: number;
  unfinished: number;
  readsPerSecond: number;
  readP50Ms: number;
  readP99Ms: number;
  readWorstP99Ms: number;
  readErrors: number;
  cacheHitShare: number;
  pulledAuthorsPerRead: number;
  benchCpuMsPerSecond: number;
  machineBusyShare: number;
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  commit: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  /** 1-minute load average when the run started (other work on the machine). */
  loadAverageAtStart: number;
  options: RunOptions;
  graph: { users: number; edges: number; maxFollowers: number; followersAtRank: Record<string, number>; usersByClass: Record<SizeClass, number>; loadSeconds: number };
  summaries: ModeSummary[];
  bursts: BurstResult[];
  phases: PhaseResult[];
}

const finite = (values: number[]) => values.filter((value) => Number.isFinite(value));
const med = (values: number[]) => median(finite(values));

export function summarize(phases: PhaseResult[]): ModeSummary[] {
  const modes = [...new Set(phases.map((phase) => phase.mode))];
  return modes.map((mode) => {
    const of = phases.filter((phase) => phase.mode === mode);
    const byClass = Object.fromEntries(
      SIZE_CLASSES.map(({ name }) => [
        name,
        {
          p50Ms: med(of.map((phase) => phase.posts.byClass[name].p50Ms)),
          p99Ms: med(of.map((phase) => phase.posts.byClass[name].p99Ms)),
          count: of.reduce((total, phase) => total + phase.posts.byClass[name].count, 0),
        },
      ]),
    ) as ModeSummary['byClass'];
    const hits = of.reduce((total, phase) => total + phase.reads.cacheHits, 0);
    const misses = of.reduce((total, phase) => total + phase.reads.cacheMisses, 0);
    const posts = of.reduce((total, phase) => total + phase.posts.published, 0);
    return {
      mode,
      threshold: of[0]!.threshold,
      rounds: of.length,
      postsPerRound: med(of.map((phase) => phase.posts.published)),
      paths: {
        push: of.reduce((total, phase) => total + phase.posts.paths.push, 0),
        tasks: of.reduce((total, phase) => total + phase.posts.paths.tasks, 0),
        pull: of.reduce((total, phase) => total + phase.posts.paths.pull, 0),
      },
      postP50Ms: med(of.map((phase) => phase.posts.all.p50Ms)),
      postP99Ms: med(of.map((phase) => phase.posts.all.p99Ms)),
      postWorstP99Ms: Math.max(...finite(of.map((phase) => phase.posts.all.p99Ms))),
      byClass,
      entriesPerSecond: med(of.map((phase) => phase.fanout.entriesPerSecond)),
      entriesPerPost: posts > 0 ? of.reduce((total, phase) => total + phase.fanout.entries, 0) / posts : NaN,
      drainSeconds: Math.max(...of.map((phase) => phase.fanout.drainSeconds)),
      unfinished: of.reduce((total, phase) => total + phase.fanout.unfinished, 0),
      readsPerSecond: med(of.map((phase) => phase.reads.perSecond)),
      readP50Ms: med(of.map((phase) => phase.reads.p50Ms)),
      readP99Ms: med(of.map((phase) => phase.reads.p99Ms)),
      readWorstP99Ms: Math.max(...finite(of.map((phase) => phase.reads.p99Ms))),
      readErrors: of.reduce((total, phase) => total + phase.reads.errors, 0),
      cacheHitShare: hits + misses > 0 ? hits / (hits + misses) : NaN,
      pulledAuthorsPerRead: med(of.map((phase) => phase.reads.pulledAuthorsPerRead)),
      benchCpuMsPerSecond: med(of.map((phase) => phase.benchCpuMsPerSecond)),
      machineBusyShare: med(of.map((phase) => phase.machineBusyShare)),
    };
  });
}

const n = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }).replace(/,/g, ' ') : '–');
const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? n(value) : n(value, 1)) : '–');

/** The 1-minute load average over the phases (the benchmark's own processes keep about 2–3 busy). */
function loadRange(phases: PhaseResult[]): string {
  const values = phases.flatMap((phase) => [phase.loadAverage.before, phase.loadAverage.after]);
  return values.length > 0 ? `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}` : '–';
}

export function renderMarkdown(report: RunReport): string {
  const { options, graph } = report;
  const w = options.workload;
  const lines: string[] = [];
  lines.push(`# bench:feed, ${report.startedAt}`);
  lines.push('');
  lines.push(
    `Commit ${report.commit}; ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}. ` +
      `Load average when the run started: ${report.loadAverageAtStart.toFixed(2)}, during it ${loadRange(report.phases)}` +
      (report.loadAverageAtStart > 1.5 || report.phases.some((phase) => phase.loadAverage.after > 5) ? ' (the machine was shared with other work: every figure is lower, and noisier, than on a quiet machine; rounds alternate the order of the modes so that drift spreads over all of them).' : '.'),
  );
  lines.push('');
  lines.push(
    `Follow graph: ${n(graph.users)} users, ${n(graph.edges)} follow edges, follower counts with a power law (rank r has about ${n(graph.maxFollowers)} / r^${options.graph.exponent}: ` +
      Object.entries(graph.followersAtRank).map(([rank, count]) => `#${rank} ${n(count)}`).join(', ') +
      `), loaded into DynamoDB Local in ${graph.loadSeconds.toFixed(0)} s. Accounts by followers: ` +
      SIZE_CLASSES.map(({ name }) => `${name}: ${n(graph.usersByClass[name])}`).join(', ') +
      '.',
  );
  lines.push('');
  lines.push(
    `Each mode, each round: ${w.warmupSeconds} s warm-up then ${w.durationSeconds} s measured, ${w.postRate} posts/s (authors by class: ` +
      SIZE_CLASSES.map(({ name }, i) => `${name} ${(w.postMix[i]! * 100).toFixed(0)} %`).join(', ') +
      `) into one fan-out replica (${w.postLanes} post partitions, ${w.taskLanes} task partitions, FANOUT_TASK_SPAN ${n(options.taskSpan)}), ` +
      `while ${w.readers} readers read the first page (${w.pageSize}) of the feeds of ${n(w.activeReaders)} active users, closed loop. ` +
      `DynamoDB Local and Redis (Debian's redis-server) on the same machine. ${options.rounds} rounds; medians of the rounds.`,
  );
  lines.push('');
  lines.push('| mode | posts (push / tasks / pull) | post → feed p50 / p99 ms | fan-out entries/s | entries per post | drain after load | feed reads/s | read p50 / p99 ms | Redis hits | pulled authors per read |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of report.summaries) {
    lines.push(
      `| ${s.mode} | ${s.paths.push} / ${s.paths.tasks} / ${s.paths.pull} | ${ms(s.postP50Ms)} / ${ms(s.postP99Ms)} | ${n(s.entriesPerSecond)} | ${n(s.entriesPerPost, 1)} | ` +
        `${s.drainSeconds.toFixed(1)} s${s.unfinished > 0 ? ` (${s.unfinished} unfinished)` : ''} | ${n(s.readsPerSecond)} | ${ms(s.readP50Ms)} / ${ms(s.readP99Ms)} | ` +
        `${Number.isFinite(s.cacheHitShare) ? `${(s.cacheHitShare * 100).toFixed(0)} %` : '–'} | ${n(s.pulledAuthorsPerRead, 1)} |`,
    );
  }
  lines.push('');
  lines.push('Post → feed latency by author size (p50 / p99 ms, medians of the rounds; posts measured in all rounds):');
  lines.push('');
  lines.push(`| mode | ${SIZE_CLASSES.map(({ name }) => `${name} followers`).join(' | ')} |`);
  lines.push(`|---|${SIZE_CLASSES.map(() => '---:').join('|')}|`);
  for (const s of report.summaries) {
    lines.push(`| ${s.mode} | ${SIZE_CLASSES.map(({ name }) => `${ms(s.byClass[name].p50Ms)} / ${ms(s.byClass[name].p99Ms)} (${s.byClass[name].count})`).join(' | ')} |`);
  }
  lines.push('');
  if (report.bursts.length > 0) {
    lines.push('Fan-out capacity of one replica: one post by the most followed account, pushed in tasks, nothing else running:');
    lines.push('');
    lines.push('| round | followers | tasks | seconds | entries/s | replica CPU ms per 1 000 entries |');
    lines.push('|---:|---:|---:|---:|---:|---:|');
    for (const b of report.bursts) lines.push(`| ${b.round} | ${n(b.followers)} | ${b.tasks} | ${b.seconds.toFixed(2)} | ${n(b.entriesPerSecond)} | ${n(b.cpuMsPerThousand, 1)} |`);
    lines.push('');
  }
  lines.push(
    'Post → feed: from the post\'s due time until every follower\'s feed entry is written (pushed, tasks included) or the post is recorded in the author\'s posts (pulled: readers merge it at once). ' +
      'Entries per post counts every feed entry written, each post\'s own author entry included. A read is the feed read the API makes, less PostgreSQL: the pushed part through Redis (rebuilt from DynamoDB on a miss) and, for each followed author at or above the threshold, a Query of their recent posts, merged. ' +
      'CPU of the benchmark process (replica and readers): ' +
      report.summaries.map((s) => `${s.mode} ${n(s.benchCpuMsPerSecond)} ms/s`).join(', ') +
      '; machine busy: ' +
      report.summaries.map((s) => `${(s.machineBusyShare * 100).toFixed(0)} %`).join(', ') +
      '.',
  );
  lines.push('');
  return lines.join('\n');
}
