/**
 * Produce throughput of the embedded broker with a data directory: sends batches of 1 000
 * CloudEvent-sized messages, one after the other as the outbox relay does, and prints records/s
 * and what the main thread spent per 1 000 records (its CPU time, and its event loop's active
 * time), since on the embedded default that thread is the API's HTTP thread.
 *
 *   node --import tsx --conditions=@herald/source packages/event-transport/scripts/bench-produce.ts \
 *     [--batches 200] [--batch-size 1000] [--topics 1] [--partitions 3] [--fsync] [--memory]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createEmbeddedBroker, type OutgoingMessage } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '200' },
    'batch-size': { type: 'string', default: '1000' },
    topics: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '3' },
    fsync: { type: 'boolean', default: false },
    /** No data directory: what the same sends cost without persistence. */
    memory: { type: 'boolean', default: false },
  },
});
const batches = Number(args.batches);
const batchSize = Number(args['batch-size']);
const topics = Array.from({ length: Number(args.topics) }, (_, n) => `bench.topic-${n}`);
const partitions = Number(args.partitions);

/** A message shaped like the API's: a structured-mode CloudEvent of about 600 bytes. */
function cloudEvent(n: number): OutgoingMessage {
  const id = randomUUID();
  const productId = `product-${n % 5000}`;
  const value = JSON.stringify({
    specversion: '1.0',
    id,
    source: '/herald/api',
    type: 'herald.product.updated',
    subject: productId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      id: productId,
      name: `Product ${n} with a reasonably descriptive name`,
      description: 'A product description of a typical length, with a few words about it.',
      priceCents: 1000 + (n % 997),
      stock: n % 113,
      tags: ['bench', 'herald', `t${n % 7}`],
    },
  });
  return {
    topic: topics[n % topics.length]!,
    key: productId,
    value,
    headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8', ce_id: id },
  };
}

/**
 * CPU time of the main thread alone, in ms (Linux: /proc/self/task/<pid>/stat, clock ticks of
 * 10 ms). process.cpuUsage() also counts libuv's thread pool, where the file writes happen.
 */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime
}

const dataDir = await mkdtemp(join(tmpdir(), 'herald-bench-produce-'));
const broker = createEmbeddedBroker({ dataDir: args.memory ? undefined : dataDir, fsync: args.fsync });
try {
  await broker.ensureTopics(topics, partitions);
  const producer = broker.createProducer();
  const prepared = Array.from({ length: Math.min(batches, 20) }, (_, b) =>
    Array.from({ length: batchSize }, (_, i) => cloudEvent(b * batchSize + i)),
  );
  // Warm-up, not measured.
  for (const batch of prepared.slice(0, 5)) await producer.send(batch);

  const eluBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const mainCpuBefore = mainThreadCpuMs();
  const started = performance.now();
  for (let b = 0; b < batches; b++) await producer.send(prepared[b % prepared.length]!);
  const elapsedMs = performance.now() - started;
  const elu = performance.eventLoopUtilization(eluBefore);
  const cpu = process.cpuUsage(cpuBefore);
  const mainCpu = mainThreadCpuMs() - mainCpuBefore;

  const records = batches * batchSize;
  const perThousand = (ms: number): string => ((ms / records) * 1000).toFixed(2);
  console.log(
    JSON.stringify({
      batches,
      batchSize,
      topics: topics.length,
      partitions,
      fsync: args.fsync,
      persistent: !args.memory,
      recordsPerSecond: Math.round(records / (elapsedMs / 1000)),
      mainThreadCpuMsPer1000Records: perThousand(mainCpu),
      mainThreadBusyMsPer1000Records: perThousand(elu.active),
      processCpuMsPer1000Records: perThousand((cpu.user + cpu.system) / 1000),
    }),
  );
} finally {
  await broker.close();
  await rm(dataDir, { recursive: true, force: true });
}
