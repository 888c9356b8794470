import { cpus, totalmem } from 'node:os';
import type { MeasureOptions, VariantResult } from './measure.js';
import type { VariantName } from './variants/names.js';

/** One variant over all rounds: medians of the per-round numbers, sums of the counts. */
export interface VariantSummary {
  variant: VariantName;
  rounds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  apiCpuMsPerRequest: number;
  eventsPerSecond: number | null;
  drainSeconds: number | null;
  /** Rounds whose outbox did not empty within the drain timeout. */
  undrainedRounds: number;
  pendingAtEnd: number;
  deliveredDuringLoad: number;
  written: number;
  duplicates: number;
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  kafkaVersion: string;
  /** The commit the benchmark ran at (working-tree changes not included). */
  commit: string;
  options: MeasureOptions & { rounds: number };
  summaries: VariantSummary[];
  ratios: Record<string, { requestsPerSecond: number | null; eventsPerSecond: number | null }>;
  results: VariantResult[];
}

const LABELS: Record<VariantName, string> = {
  herald: '(a) herald: singleton producer on a worker thread',
  'worker-per-event': '(b) worker-per-event: new worker + producer per commit',
  'main-thread': '(c) main-thread singleton: same relay on the event loop',
  ceiling: 'ceiling: Fastify hello world (GET /)',
};

export function machineInfo(): RunReport['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export function summarize(results: VariantResult[]): VariantSummary[] {
  const names = [...new Set(results.map((result) => result.variant))];
  return names.map((variant) => {
    const rounds = results.filter((result) => result.variant === variant);
    const events = rounds.flatMap((result) => (result.events ? [result.events] : []));
    const ofEvents = (pick: (e: (typeof events)[number]) => number) => (events.length > 0 ? median(events.map(pick)) : null);
    return {
      variant,
      rounds: rounds.length,
      requestsPerSecond: median(rounds.map((result) => result.load.requestsPerSecond)),
      latencyP50Ms: median(rounds.map((result) => result.load.latencyP50Ms)),
      latencyP99Ms: median(rounds.map((result) => result.load.latencyP99Ms)),
      non2xx: sum(rounds.map((result) => result.load.non2xx)),
      errors: sum(rounds.map((result) => result.load.errors)),
      apiCpuMsPerRequest: median(rounds.map((result) => result.apiCpuMsPerRequest)),
      eventsPerSecond: ofEvents((e) => e.eventsPerSecond),
      drainSeconds: ofEvents((e) => e.drainSeconds),
      undrainedRounds: events.filter((e) => !e.drained).length,
      pendingAtEnd: sum(events.map((e) => e.pendingAtEnd)),
      deliveredDuringLoad: sum(events.map((e) => e.deliveredDuringLoad)),
      written: sum(events.map((e) => e.written)),
      duplicates: sum(events.map((e) => e.duplicates)),
    };
  });
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b ? a / b : null);

/** a/b and a/c, the comparisons the benchmark exists for. */
export function computeRatios(summaries: VariantSummary[]): RunReport['ratios'] {
  const find = (name: VariantName) => summaries.find((summary) => summary.variant === name);
  const herald = find('herald');
  const ratios: RunReport['ratios'] = {};
  for (const [key, other] of [['a/b', find('worker-per-event')], ['a/c', find('main-thread')]] as const) {
    if (!herald || !other) continue;
    ratios[key] = {
      requestsPerSecond: ratio(herald.requestsPerSecond, other.requestsPerSecond),
      eventsPerSecond: ratio(herald.eventsPerSecond, other.eventsPerSecond),
    };
  }
  return ratios;
}

const fixed = (value: number | null | undefined, digits = 0) => (value == null ? '–' : value.toFixed(digits));

function drainCell(summary: VariantSummary): string {
  if (summary.drainSeconds === null) return '–';
  if (summary.undrainedRounds === 0) return fixed(summary.drainSeconds, 1);
  return `not drained in ${summary.undrainedRounds}/${summary.rounds} rounds (${summary.pendingAtEnd} left after ${fixed(summary.drainSeconds, 0)} s)`;
}

function roundsTable(report: RunReport): string[] {
  const lines = [
    '| round | variant | requests/s | events/s | API CPU ms/request | load average before → after |',
    '|---:|---|---:|---:|---:|---|',
  ];
  for (const result of report.results) {
    lines.push(
      `| ${result.round} | ${result.variant} | ${fixed(result.load.requestsPerSecond)} | ${fixed(result.events?.eventsPerSecond)} | ` +
        `${fixed(result.apiCpuMsPerRequest, 2)} | ` +
        `${fixed(result.loadAverage.before, 1)} → ${fixed(result.loadAverage.after, 1)} |`,
    );
  }
  return lines;
}

function notes(report: RunReport): string[] {
  const lines: string[] = [];
  for (const result of report.results.filter((r) => r.round === report.options.rounds)) {
    const stats = result.publisher;
    if (result.variant === 'worker-per-event') {
      lines.push(
        `- worker-per-event (last round): ${stats.workersStarted} workers started, at most ${stats.peakConcurrentWorkers} at once ` +
          `(cap ${report.options.perEventMaxWorkers || 'none'}), up to ${stats.peakQueuedCommits} commits waiting for a worker, ` +
          `${stats.workerFailures} failed workers.`,
      );
    } else if (typeof stats.batchesTotal === 'number' && stats.batchesTotal > 0) {
      const average = (stats.publishedTotal as number) / stats.batchesTotal;
      lines.push(`- ${result.variant} (last round): ${stats.publishedTotal} events in ${stats.batchesTotal} sends, ${average.toFixed(1)} per send.`);
    }
  }
  for (const summary of report.summaries.filter((s) => s.duplicates > 0)) {
    lines.push(`- ${summary.variant}: ${summary.duplicates} records reached the topic twice.`);
  }
  return lines;
}

export function renderMarkdown(report: RunReport): string {
  const { options, machine } = report;
  const lines = [
    `# Publishing strategies under load — ${report.startedAt}`,
    '',
    `Commit ${report.commit}. ` +
      `\`POST /api/v1/products\` (one event per request), ${options.connections} connections, ` +
      `${options.durationSeconds} s per variant after a ${options.warmupSeconds} s warm-up, ${options.rounds} round(s); ` +
      `Kafka ${report.kafkaVersion} (one KRaft node, ${options.partitions} partitions), embedded PostgreSQL; ` +
      `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}. ` +
      'Broker, database, load generator and API share these cores. Medians over rounds.',
    '',
    '| variant | requests/s | p50 ms | p99 ms | non-2xx | errors | API CPU ms/request | events/s to broker | events in topic by load end | drain after load (s) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const summary of report.summaries) {
    lines.push(
      `| ${LABELS[summary.variant]} | ${fixed(summary.requestsPerSecond)} | ${fixed(summary.latencyP50Ms, 1)} | ` +
        `${fixed(summary.latencyP99Ms, 1)} | ${summary.non2xx} | ${summary.errors} | ${fixed(summary.apiCpuMsPerRequest, 2)} | ` +
        `${fixed(summary.eventsPerSecond)} | ` +
        `${summary.eventsPerSecond === null ? '–' : `${summary.deliveredDuringLoad} of ${summary.written}`} | ${drainCell(summary)} |`,
    );
  }
  lines.push('', '| ratio | requests/s | events/s |', '|---|---:|---:|');
  for (const [key, value] of Object.entries(report.ratios)) {
    lines.push(`| ${key} | ${fixed(value.requestsPerSecond, 2)} | ${fixed(value.eventsPerSecond, 2)} |`);
  }
  lines.push('', 'Per round:', '', ...roundsTable(report), '', ...notes(report));
  lines.push('', 'Raw numbers: the JSON file of the same name. Method and caveats: bench/README.md.', '');
  return lines.join('\n');
}
