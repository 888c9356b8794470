/**
 * What an append to the event log costs on the embedded DynamoDB (dynalite on LevelDB, in this
 * process) with each way of indexing it: the three indexes projecting whole items (as tables made
 * before keys-only indexes have them), the three keys-only (as `ensureTable` makes them now), and,
 * for scale, one index or none. Each variant gets its own server and folder; rounds alternate the
 * order. Appends go through `EventLog.appendBatch`, as the notifier writes them.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { CreateTableCommand, DescribeTableCommand, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { createEventLog, createEventLogClient, startEmbeddedDynamoDb } from '@herald/event-log';
import { productCreatedAt } from '@herald/stack';
import { ATTR } from '../../packages/event-log/src/keys.js';
import { ATTRIBUTE_DEFINITIONS, INDEXES } from '../../packages/event-log/src/table.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:event-log -- [--events N per variant and round, default 10000] [--rounds R, default 3]');
  process.exit(0);
}
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);

const allProjected = INDEXES.map((index) => ({ ...index, Projection: { ProjectionType: 'ALL' as const } }));
const VARIANTS: Array<{ name: string; indexes: GlobalSecondaryIndex[] }> = [
  { name: 'three indexes, whole items', indexes: allProjected },
  { name: 'three indexes, keys only (current)', indexes: INDEXES },
  { name: 'one index, keys only', indexes: INDEXES.slice(0, 1) },
  { name: 'no index', indexes: [] },
];

interface Sample {
  cpuMicrosPerEvent: number;
  eventsPerSecond: number;
}

async function measure(indexes: GlobalSecondaryIndex[]): Promise<Sample> {
  const folder = mkdtempSync(join(tmpdir(), 'herald-bench-event-log-'));
  const server = await startEmbeddedDynamoDb({ path: folder });
  const client = createEventLogClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
  });
  try {
    const tableName = 'herald-events';
    const keys = new Set<string>([ATTR.id, ...indexes.flatMap((index) => index.KeySchema!.map((key) => key.AttributeName!))]);
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: ATTRIBUTE_DEFINITIONS.filter((definition) => keys.has(definition.AttributeName!)),
        KeySchema: [{ AttributeName: ATTR.id, KeyType: 'HASH' }],
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const eventLog = createEventLog({ client, tableName, retentionSeconds: 3600 });
    // ensureTable would add the indexes a variant leaves out; wait for ACTIVE instead.
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const batch = (n: number) =>
      Array.from({ length: n }, () => {
        const at = new Date();
        return { event: productCreatedAt(at), loggedAt: at };
      });
    await eventLog.appendBatch(batch(2000)); // warm-up
    const entries = batch(EVENTS);
    const cpu = process.cpuUsage();
    const started = performance.now();
    // As the notifier does: a fetched batch of a few hundred events at a time.
    for (let i = 0; i < entries.length; i += 500) await eventLog.appendBatch(entries.slice(i, i + 500));
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { cpuMicrosPerEvent: (used.user + used.system) / EVENTS, eventsPerSecond: EVENTS / seconds };
  } finally {
    client.destroy();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map<string, Sample[]>(VARIANTS.map((v) => [v.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 ? VARIANTS : [...VARIANTS].reverse();
  for (const variant of order) {
    const sample = await measure(variant.indexes);
    samples.get(variant.name)!.push(sample);
    console.error(`round ${round} ${variant.name}: ${sample.cpuMicrosPerEvent.toFixed(0)} µs CPU/event, ${sample.eventsPerSecond.toFixed(0)} events/s`);
  }
}

const baseline = median(samples.get(VARIANTS[0]!.name)!.map((s) => s.cpuMicrosPerEvent));
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const at = new Date().toISOString();
const rows = VARIANTS.map((variant) => {
  const list = samples.get(variant.name)!;
  const cpu = median(list.map((s) => s.cpuMicrosPerEvent));
  return {
    variant: variant.name,
    cpuMicrosPerEvent: cpu,
    cpuPerRound: list.map((s) => Math.round(s.cpuMicrosPerEvent)),
    eventsPerSecond: median(list.map((s) => s.eventsPerSecond)),
    cpuRatioToWholeItems: cpu / baseline,
  };
});
const table = [
  `# Event log appends on the embedded DynamoDB — ${at}`,
  '',
  `Commit ${commit}. ${EVENTS} ProductCreated events per variant and round, appended 500 at a time with \`appendBatch\` ` +
    `(25 puts per BatchWriteItem, 4 in flight), client and dynalite in one process, LevelDB on disk; ${ROUNDS} rounds, ` +
    'order alternating. CPU is the whole process (client, HTTP, dynalite, LevelDB threads). Medians.',
  '',
  '| indexes | CPU µs/event | per round | events/s | CPU ÷ whole items |',
  '|---|---:|---|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.variant} | ${r.cpuMicrosPerEvent.toFixed(0)} | ${r.cpuPerRound.join(', ')} | ${r.eventsPerSecond.toFixed(0)} | ${r.cpuRatioToWholeItems.toFixed(2)} |`,
  ),
  '',
].join('\n');
const results = join(import.meta.dirname, '..', 'results');
mkdirSync(results, { recursive: true });
const stamp = at.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
writeFileSync(join(results, `event-log-${stamp}.md`), table);
writeFileSync(join(results, `event-log-${stamp}.json`), JSON.stringify({ at, commit, events: EVENTS, rounds: ROUNDS, rows }, null, 2));
writeFileSync(join(results, 'event-log-latest.md'), table);
console.log(table);
