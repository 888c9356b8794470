import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from '../publish/load.js';
import { creationEvents } from './minimal/events.js';
import { CREATE_PRODUCT_WITH_EVENTS } from './minimal/sql.js';
import { startProcess, stopProcess } from './processes.js';
import { percentile } from './stats.js';

/**
 * PostgreSQL's own load generator running the minimal server's one-round-trip write
 * (CREATE_PRODUCT_WITH_EVENTS) in prepared mode: the database's ceiling for this transaction
 * with no HTTP, JSON or Node in the way.
 */

/**
 * The statement's parameters as pgbench supplies them. pgbench has no string or uuid variables,
 * so ids come from PostgreSQL (uuidv7(), like Herald's ids ordered by time) and the sku from the
 * client id and a random number; `:payload` is a constant (-D) CloudEvent of the same size as the
 * minimal server's. In prepared mode each `:variable` becomes a parameter.
 */
const PARAMETERS: Record<string, string> = {
  1: 'uuidv7()',
  2: `('pgbench-' || :client_id || '-' || :n)`,
  3: `'Bench product pgbench'`,
  4: `''`,
  5: '1999',
  6: `'EUR'`,
  7: '100',
  8: '10',
  9: 'now()',
  10: `'herald.products'`,
  11: 'ARRAY[uuidv7()]',
  12: `ARRAY['ProductCreated']`,
  13: 'ARRAY[(:payload)::jsonb]',
};

export function pgbenchScript(): string {
  const statement = CREATE_PRODUCT_WITH_EVENTS.replace(/\$(\d+)/g, (_, index: string) => {
    const value = PARAMETERS[index];
    if (value === undefined) throw new Error(`pgbench script: no value for parameter $${index}`);
    return value;
  });
  return `\\set n random(1, 1000000000000)\n${statement};\n`;
}

/** A ProductCreated CloudEvent like those the minimal server writes (stock above the threshold: one event). */
function samplePayload(): string {
  const now = new Date();
  const [event] = creationEvents({
    id: '019ad0a5-0000-7000-8000-000000000000',
    sku: 'pgbench-1-123456789012',
    name: 'Bench product pgbench-1-123456789012',
    description: '',
    price_amount: 1999,
    price_currency: 'EUR',
    stock: 100,
    low_stock_threshold: 10,
    created_at: now,
    updated_at: now,
    version: 1,
  });
  return event!.payload;
}

export function pgbenchVersion(command: string): string {
  try {
    return execFileSync(command, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(
      `pgbench not found (${command}): install Debian's postgresql-client (apt-get install postgresql-client) ` +
        `or pass --pgbench <path>, or leave out the pgbench variant. (${(error as Error).message})`,
    );
  }
}

export interface PgbenchOptions {
  command: string;
  databaseUrl: string;
  clients: number;
  durationSeconds: number;
}

function parseSummary(output: string, name: string): number {
  const patterns: Record<string, RegExp> = {
    processed: /number of transactions actually processed: (\d+)/,
    failed: /number of failed transactions: (\d+)/,
    tps: /tps = ([\d.]+) \(without initial connection time\)/,
  };
  const match = patterns[name]!.exec(output);
  if (!match) {
    if (name === 'failed') return 0; // pgbench before 15 does not print it
    throw new Error(`pgbench output has no "${name}" figure:\n${output}`);
  }
  return Number(match[1]);
}

/** Runs pgbench once; with `logLatencies`, per-transaction latencies give p50/p99. */
export async function runPgbench(options: PgbenchOptions, logLatencies: boolean): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-bench-pgbench-'));
  try {
    const scriptFile = join(dir, 'create-product.sql');
    await writeFile(scriptFile, pgbenchScript());
    const url = new URL(options.databaseUrl);
    const args = [
      '--no-vacuum',
      '--protocol=prepared',
      `--client=${options.clients}`,
      `--jobs=${Math.min(2, options.clients)}`,
      `--time=${options.durationSeconds}`,
      `--file=${scriptFile}`,
      `--define=payload=${samplePayload()}`,
      `--host=${url.hostname}`,
      `--port=${url.port}`,
      `--username=${decodeURIComponent(url.username)}`,
      ...(logLatencies ? ['--log', `--log-prefix=${join(dir, 'latency')}`] : []),
      url.pathname.slice(1),
    ];
    const spawned = startProcess('pgbench', options.command, args, {
      env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(url.password) },
      echoStderr: false,
    });
    let output = '';
    spawned.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => void stopProcess(spawned), (options.durationSeconds + 60) * 1000);
    const { code } = await spawned.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`pgbench failed (exit code ${code}):\n${spawned.tail()}`);

    const processed = parseSummary(output, 'processed');
    const latencies: number[] = [];
    if (logLatencies) {
      for (const file of (await readdir(dir)).filter((name) => name.startsWith('latency'))) {
        for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
          // client_id transaction_no time script_no time_epoch time_us: `time` is the latency in µs.
          const micros = Number(line.split(' ')[2]);
          if (Number.isFinite(micros)) latencies.push(micros / 1000);
        }
      }
      latencies.sort((a, b) => a - b);
    }
    return {
      requests: processed,
      requestsPerSecond: parseSummary(output, 'tps'),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      non2xx: parseSummary(output, 'failed'),
      errors: 0,
      durationSeconds: options.durationSeconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
