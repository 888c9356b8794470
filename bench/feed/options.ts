import { parseArgs } from 'node:util';
import type { GraphOptions } from './graph.js';
import type { WorkloadOptions } from './workload.js';

export const USAGE = `Usage: npm run bench:feed -- [flags]

Follow graph (loaded into DynamoDB Local before the run):
  --users N             users (default 100000)
  --max-followers N     followers of the most followed account (default 60000); the account of
                        rank r has about max / r^exponent
  --exponent X          power-law exponent of the follower counts (default 1)
  --seed N              seed of the graph and the load (default 1)

Load (per mode and round; the modes alternate their order from round to round):
  --rounds N            rounds (default 3)
  --duration S          measured seconds (default 20)
  --warmup S            unmeasured seconds before them (default 3)
  --post-rate N         posts per second, due at even intervals (default 2)
  --post-mix A,B,C,D    share of posts by authors of 1–99, 100–999, 1 000–9 999 and 10 000+
                        followers (default 0.4,0.3,0.2,0.1)
  --readers N           concurrent readers, each reading the next feed when the last is served (default 8)
  --active-readers N    users whose feeds are read (default 2000)
  --thresholds A,B,C    celebrity thresholds of the three hybrid modes (default 1000,5000,20000)
  --task-span N         FANOUT_TASK_SPAN (default 2000)
  --drain-cap S         longest wait for the replica's backlog after the load; what is left then is
                        given up and counted as unfinished (default 120)
  --out DIR             where results go (default bench/results)

Smoke test: --users 20000 --max-followers 12000 --duration 3 --warmup 1 --rounds 1
`;

export interface RunOptions {
  graph: GraphOptions;
  workload: WorkloadOptions;
  rounds: number;
  thresholds: number[];
  taskSpan: number;
  outDir: string;
}

const positive = (name: string, value: string | undefined, fallback: number, integer = true): number => {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'} (got "${value}")`);
  return number;
};

const list = (name: string, value: string | undefined, fallback: number[], length: number): number[] => {
  if (value === undefined) return fallback;
  const numbers = value.split(',').map(Number);
  if (numbers.length !== length || numbers.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`--${name} takes ${length} numbers separated by commas (got "${value}")`);
  return numbers;
};

export function parseOptions(argv: string[]): RunOptions | 'help' {
  const flags = ['users', 'max-followers', 'exponent', 'seed', 'rounds', 'duration', 'warmup', 'post-rate', 'post-mix', 'readers', 'active-readers', 'thresholds', 'task-span', 'drain-cap', 'out'];
  const parsed = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, ...Object.fromEntries(flags.map((name) => [name, { type: 'string' as const }])) },
    allowPositionals: false,
    strict: true,
  });
  if (parsed.values.help) return 'help';
  const values = parsed.values as Record<string, string | undefined>;
  const users = positive('users', values.users, 100_000);
  const mix = list('post-mix', values['post-mix'], [0.4, 0.3, 0.2, 0.1], 4);
  const total = mix.reduce((a, b) => a + b, 0);
  return {
    graph: {
      users,
      maxFollowers: Math.min(users - 1, positive('max-followers', values['max-followers'], 60_000)),
      exponent: positive('exponent', values.exponent, 1, false),
      seed: positive('seed', values.seed, 1),
    },
    workload: {
      durationSeconds: positive('duration', values.duration, 20, false),
      warmupSeconds: values.warmup === '0' ? 0 : positive('warmup', values.warmup, 3, false),
      postRate: positive('post-rate', values['post-rate'], 2, false),
      postMix: mix.map((share) => share / total),
      readers: positive('readers', values.readers, 8),
      activeReaders: positive('active-readers', values['active-readers'], 2_000),
      pageSize: 20,
      postLanes: 3,
      taskLanes: 6,
      drainCapSeconds: positive('drain-cap', values['drain-cap'], 120, false),
    },
    rounds: positive('rounds', values.rounds, 3),
    thresholds: list('thresholds', values.thresholds, [1_000, 5_000, 20_000], 3),
    taskSpan: Math.max(500, positive('task-span', values['task-span'], 2_000)),
    outDir: values.out ?? 'bench/results',
  };
}
