import { parseArgs } from 'node:util';
import type { MeasureOptions } from './measure.js';
import { VARIANTS, type VariantName } from './variants.js';

export const USAGE = `Usage: npm run bench:write -- [flags]

  --rounds N            rounds; each runs the variants in the order given (default 3)
  --duration S          seconds of measured writes per variant and round (default 10)
  --read-duration S     seconds per read baseline (default: --duration)
  --warmup S            unmeasured load before each measured one (default 3)
  --connections N       concurrent HTTP connections, and pgbench clients (default 32)
  --drain-timeout S     longest wait for Herald's pipeline to catch up after the load (default 60)
  --variants LIST       comma-separated, in run order (default ${VARIANTS.join(',')})
  --dynamodb KIND       herald-kafka's event log: embedded (dynalite in the API process, as
                        herald-embedded) or local (DynamoDB Local, a JVM of its own) (default embedded)
  --pgbench PATH        the pgbench binary (default: pgbench on PATH)
  --log-level LEVEL     Herald's LOG_LEVEL (default warn: no per-request logging)
  --out DIR             where results go (default bench/results)

  --profile             instead: one Herald variant alone under the same write load with --cpu-prof
                        (every thread), then the top functions by self time per thread
  --profile-variant V   the variant --profile runs: herald-embedded (default, consumers in the
                        process), herald-embedded-api (the API's own write path), their Kafka
                        forms herald-kafka and herald-kafka-api, or minimal-prepared (the
                        yardstick, for comparison)
  --profile-load L      what --profile measures: writes (default), reads-by-id or reads-list (the
                        read baseline's requests, after the write load has filled the table)
  --top N               functions listed per thread (default 15)
  --keep-profiles DIR   keep the .cpuprofile files there (default: deleted after the analysis)
`;

export interface RunOptions {
  measure: MeasureOptions;
  rounds: number;
  variants: VariantName[];
  dynamodb: 'embedded' | 'local';
  outDir: string;
  profile: { variant: ProfiledVariant; load: ProfiledLoad; top: number; keepDir: string | undefined } | null;
}

export const PROFILED_VARIANTS = ['herald-embedded', 'herald-embedded-api', 'herald-kafka', 'herald-kafka-api', 'minimal-prepared'] as const;
export type ProfiledVariant = (typeof PROFILED_VARIANTS)[number];
export const PROFILED_LOADS = ['writes', 'reads-by-id', 'reads-list'] as const;
export type ProfiledLoad = (typeof PROFILED_LOADS)[number];

export class UsageError extends Error {}

export function parseOptions(args: string[]): RunOptions | 'help' {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      'read-duration': { type: 'string' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      'drain-timeout': { type: 'string', default: '60' },
      variants: { type: 'string', default: VARIANTS.join(',') },
      dynamodb: { type: 'string', default: 'embedded' },
      pgbench: { type: 'string', default: 'pgbench' },
      'log-level': { type: 'string', default: 'warn' },
      out: { type: 'string', default: 'bench/results' },
      profile: { type: 'boolean', default: false },
      'profile-variant': { type: 'string', default: 'herald-embedded' },
      'profile-load': { type: 'string', default: 'writes' },
      top: { type: 'string', default: '15' },
      'keep-profiles': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const number = (flag: string, raw: string | undefined, min: number) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be an integer >= ${min} (got ${raw})`);
    return value;
  };
  const variants = values.variants.split(',').map((name) => name.trim());
  const unknown = variants.filter((name) => !(VARIANTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown variant(s) ${unknown.join(', ')}; known: ${VARIANTS.join(', ')}`);
  if (new Set(variants).size !== variants.length) throw new UsageError('--variants lists a variant twice');
  if (values.dynamodb !== 'embedded' && values.dynamodb !== 'local') throw new UsageError('--dynamodb must be embedded or local');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(values['log-level'])) {
    throw new UsageError(`--log-level must be a pino level (got ${values['log-level']})`);
  }
  const profiled = values['profile-variant'];
  if (!(PROFILED_VARIANTS as readonly string[]).includes(profiled)) {
    throw new UsageError(`--profile-variant must be one of ${PROFILED_VARIANTS.join(', ')} (got ${profiled})`);
  }
  const profiledLoad = values['profile-load'];
  if (!(PROFILED_LOADS as readonly string[]).includes(profiledLoad)) {
    throw new UsageError(`--profile-load must be one of ${PROFILED_LOADS.join(', ')} (got ${profiledLoad})`);
  }
  const duration = number('duration', values.duration, 1);
  return {
    measure: {
      connections: number('connections', values.connections, 1),
      durationSeconds: duration,
      readDurationSeconds: values['read-duration'] === undefined ? duration : number('read-duration', values['read-duration'], 1),
      warmupSeconds: number('warmup', values.warmup, 0),
      drainTimeoutSeconds: number('drain-timeout', values['drain-timeout'], 1),
      logLevel: values['log-level'],
      pgbench: values.pgbench,
    },
    rounds: number('rounds', values.rounds, 1),
    variants: variants as VariantName[],
    dynamodb: values.dynamodb,
    outDir: values.out,
    profile: values.profile
      ? { variant: profiled as ProfiledVariant, load: profiledLoad as ProfiledLoad, top: number('top', values.top, 1), keepDir: values['keep-profiles'] }
      : null,
  };
}
