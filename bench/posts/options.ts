import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench:posts -- [flags]

Dataset (bulk-loaded into a fresh embedded PostgreSQL before the API starts):
  --posts N             posts (default 100000)
  --comments N          comments, spread over the posts with a skewed distribution (default 1000000)
  --users N             authors of posts and comments (default 1000)
  --skew S              sigma of the log-normal weight each post draws for its share of the
                        comments: 0 is uniform, higher is more skewed (default 2)

Load:
  --rounds N            rounds; odd rounds run the targets in order, even rounds reversed (default 3)
  --duration S          seconds of each measured load (default 10)
  --warmup S            unmeasured load before each target's measurements (default 3)
  --connections N       concurrent connections of the fixed-concurrency loads; most sockets the
                        fixed-rate load may use (default 32)
  --rate N              requests/s of the fixed-rate load, for the latency target (default 1000)
  --rate-tool TOOL      paced: an open-loop client that sends one request every 1/rate s and
                        times each from when it was due (default); autocannon: autocannon's
                        overallRate (bench/posts/README.md says why it is not the default)
  --target-p99 MS       the latency target for every read at --rate (default 50)
  --writers N           users that sign in through the API and write the comments (default 8)
  --cursors N           cursors of deeper pages of sort=comments, each request takes one at random (default 1000)
  --log-level LEVEL     Herald's LOG_LEVEL (default warn: no per-request logging)
  --out DIR             where results go (default bench/results)
  --node-flags=FLAGS    extra Node flags for Herald, space-separated (e.g. --node-flags="--max-semi-space-size=64";
                        with "=", as the value starts with dashes),
                        to compare a runtime setting against a run without it
  --cpu-prof DIR        run Herald with node --cpu-prof into DIR and print its busiest functions
                        at the end (profiling slows it: figures of such a run are not comparable)

Smoke test on a busy machine: --posts 2000 --comments 20000 --duration 2 --warmup 1 --rounds 1
`;

export interface DatasetOptions {
  posts: number;
  comments: number;
  users: number;
  skew: number;
}

export interface LoadOptions {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  rate: number;
  rateTool: 'paced' | 'autocannon';
  targetP99Ms: number;
  writers: number;
  cursors: number;
}

export interface RunOptions {
  dataset: DatasetOptions;
  load: LoadOptions;
  logLevel: string;
  outDir: string;
  /** Where Herald's CPU profiles go, when profiling. */
  cpuProfileDir: string | undefined;
  /** Extra Node flags for Herald's process. */
  heraldNodeFlags: string[];
}

export class UsageError extends Error {}

export function parseOptions(args: string[]): RunOptions | 'help' {
  const { values } = parseArgs({
    args,
    options: {
      posts: { type: 'string', default: '100000' },
      comments: { type: 'string', default: '1000000' },
      users: { type: 'string', default: '1000' },
      skew: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string', default: '1000' },
      'rate-tool': { type: 'string', default: 'paced' },
      'target-p99': { type: 'string', default: '50' },
      writers: { type: 'string', default: '8' },
      cursors: { type: 'string', default: '1000' },
      'log-level': { type: 'string', default: 'warn' },
      out: { type: 'string', default: 'bench/results' },
      'cpu-prof': { type: 'string' },
      'node-flags': { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const integer = (flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got ${raw})`);
    }
    return value;
  };
  const skew = Number(values.skew);
  if (!Number.isFinite(skew) || skew < 0 || skew > 5) throw new UsageError(`--skew must be a number from 0 to 5 (got ${values.skew})`);
  const rateTool = values['rate-tool'];
  if (rateTool !== 'paced' && rateTool !== 'autocannon') throw new UsageError(`--rate-tool must be paced or autocannon (got ${rateTool})`);
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(values['log-level'])) {
    throw new UsageError(`--log-level must be a pino level (got ${values['log-level']})`);
  }
  return {
    dataset: {
      posts: integer('posts', values.posts, 1, 100_000_000),
      comments: integer('comments', values.comments, 0),
      users: integer('users', values.users, 1, 999_999),
      skew,
    },
    load: {
      rounds: integer('rounds', values.rounds, 1),
      durationSeconds: integer('duration', values.duration, 1),
      warmupSeconds: integer('warmup', values.warmup, 0),
      connections: integer('connections', values.connections, 1),
      rate: integer('rate', values.rate, 1),
      rateTool,
      targetP99Ms: integer('target-p99', values['target-p99'], 1),
      writers: integer('writers', values.writers, 1),
      cursors: integer('cursors', values.cursors, 1),
    },
    logLevel: values['log-level'],
    outDir: values.out,
    cpuProfileDir: values['cpu-prof'],
    heraldNodeFlags: values['node-flags'].split(/\s+/).filter(Boolean),
  };
}
