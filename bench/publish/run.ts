/**
 * `npm run bench:publish`: compares ways of publishing the outbox under HTTP load, against a real
 * Kafka broker and PostgreSQL. See bench/README.md for the method; `--help` for the flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { KAFKA_VERSION } from '@herald/stack';
import { startInfrastructure, type Infrastructure } from './infra.js';
import { measureVariant, type MeasureOptions, type VariantResult } from './measure.js';
import { computeRatios, machineInfo, renderMarkdown, summarize, type RunReport } from './report.js';
import { VARIANTS, type VariantName } from './variants/names.js';

const USAGE = `Usage: npm run bench:publish -- [flags]

  --connections N            concurrent HTTP connections (default 32)
  --duration S               measured seconds per variant (default 12)
  --warmup S                 warm-up seconds per variant, not measured (default 3)
  --drain-timeout S          longest wait for the outbox to empty after the load (default 30)
  --partitions N             partitions of each variant's topic (default 3, Herald's default)
  --per-event-max-workers N  live workers allowed in worker-per-event, 0 = no limit (default 4)
  --rounds N                 rounds over all variants, odd rounds in order, even ones reversed (default 2)
  --variants LIST            comma-separated subset of ${VARIANTS.join(',')}
  --out DIR                  where results go (default bench/results)
`;

function parseOptions(): { measure: Omit<MeasureOptions, 'runId'>; rounds: number; variants: VariantName[]; outDir: string } {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '32' },
      duration: { type: 'string', default: '12' },
      warmup: { type: 'string', default: '3' },
      'drain-timeout': { type: 'string', default: '30' },
      partitions: { type: 'string', default: '3' },
      'per-event-max-workers': { type: 'string', default: '4' },
      rounds: { type: 'string', default: '2' },
      variants: { type: 'string', default: VARIANTS.join(',') },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const number = (flag: keyof typeof values, min: number) => {
    const value = Number(values[flag]);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${flag} must be an integer >= ${min} (got ${values[flag]})`);
    return value;
  };
  const variants = [...new Set(values.variants.split(',').map((name) => name.trim()))];
  const unknown = variants.filter((name) => !(VARIANTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown variant(s) ${unknown.join(', ')}; known: ${VARIANTS.join(', ')}`);
  return {
    measure: {
      connections: number('connections', 1),
      durationSeconds: number('duration', 1),
      warmupSeconds: number('warmup', 0),
      drainTimeoutSeconds: number('drain-timeout', 1),
      partitions: number('partitions', 1),
      perEventMaxWorkers: number('per-event-max-workers', 0),
    },
    rounds: number('rounds', 1),
    variants: variants as VariantName[],
    outDir: values.out,
  };
}

function currentCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function writeResults(outDir: string, report: RunReport, markdown: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const base = `${outDir}/publish-${stamp}`;
  await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  await writeFile(`${base}.md`, markdown);
  await writeFile(`${outDir}/publish-latest.md`, markdown);
  return base;
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions();
} catch (error) {
  process.stderr.write(`bench:publish: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(64); // EX_USAGE
}

const startedAt = new Date();
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${message}\n`);
const runId = startedAt.getTime().toString(36);
let infra: Infrastructure | undefined;
// Ctrl-C: the broker and PostgreSQL are separate processes and must not outlive the run.
process.once('SIGINT', () => {
  log('interrupted; stopping Kafka and PostgreSQL');
  void (infra?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

try {
  log('starting Kafka and PostgreSQL');
  infra = await startInfrastructure();
  const results: VariantResult[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    // Alternating the order spreads slow drifts (a warming JVM, a growing database) over all variants.
    const order = round % 2 === 1 ? options.variants : [...options.variants].reverse();
    for (const variant of order) {
      log(`round ${round}, ${variant}: warm-up ${options.measure.warmupSeconds} s, load ${options.measure.durationSeconds} s`);
      const result = await measureVariant(variant, round, infra, { ...options.measure, runId });
      const events = result.events;
      log(
        `round ${round}, ${variant}: ${result.load.requestsPerSecond.toFixed(0)} req/s` +
          (events ? `, ${events.eventsPerSecond.toFixed(0)} events/s, ${events.drained ? 'drained' : 'not drained'} after ${events.drainSeconds.toFixed(1)} s` : ''),
      );
      results.push(result);
    }
  }
  const summaries = summarize(results);
  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    kafkaVersion: KAFKA_VERSION,
    commit: currentCommit(),
    options: { ...options.measure, runId, rounds: options.rounds },
    summaries,
    ratios: computeRatios(summaries),
    results,
  };
  const markdown = renderMarkdown(report);
  const base = await writeResults(options.outDir, report, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`results written to ${base}.md and .json`);
} finally {
  log('stopping Kafka and PostgreSQL');
  await infra?.stop();
}
