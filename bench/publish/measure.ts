import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicName } from '@herald/event-schemas';
import type { Infrastructure } from './infra.js';
import { runLoad, type LoadResult } from './load.js';
import { startServerProcess } from './server-process.js';
import type { VariantName } from './variants/names.js';

export interface MeasureOptions {
  runId: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  drainTimeoutSeconds: number;
  partitions: number;
  perEventMaxWorkers: number;
}

export interface EventResult {
  /** Outbox rows written while the load ran. */
  written: number;
  /** Records that reached the topic from load start until the outbox was empty (or the timeout). */
  delivered: number;
  /** Records that reached the topic while the load was still running. */
  deliveredDuringLoad: number;
  /** delivered / (load start → drained). */
  eventsPerSecond: number;
  /** From load end until the outbox was empty; the timeout when it never was. */
  drainSeconds: number;
  drained: boolean;
  pendingAtEnd: number;
  /** Records in the topic beyond the outbox's row count: sent twice (a lower bound). */
  duplicates: number;
  /** Whether the warm-up's own events had reached the broker before the load started. */
  warmupDrained: boolean;
}

export interface VariantResult {
  variant: VariantName;
  round: number;
  /**
   * CPU the API process (all its threads) used from load start until drained (or the timeout),
   * per request. Unlike throughput it moves little when other work shares the machine.
   */
  apiCpuMsPerRequest: number;
  /** 1-minute load average before and after: anything else running on the machine shows here. */
  loadAverage: { before: number; after: number };
  load: LoadResult;
  events: EventResult | null;
  publisher: Record<string, unknown>;
}

const POLL_MS = 200;
/**
 * Longest wait for the warm-up's events. A variant that keeps up drains them in a second; one
 * that does not (worker-per-event) would not drain them in minutes, and waiting longer only
 * lengthens the run without changing what is measured next.
 */
const WARMUP_DRAIN_LIMIT_S = 10;

/**
 * Waits until every outbox row is published and in the topic. "Drained" compares the whole
 * outbox with the whole topic, warm-up included, so nothing depends on which rows came when.
 */
async function waitForDrain(infra: Infrastructure, databaseUrl: string, topic: string, deadline: number) {
  for (;;) {
    // Topic first, outbox second: requests still in flight when the load stops can commit and be
    // published between the two reads, which in the other order would look like duplicates.
    const records = await infra.countRecords([topic]);
    const { pending, total } = await infra.outboxCounts(databaseUrl);
    if (pending === 0 && records >= total) return { drained: true, pending, total, records };
    if (Date.now() >= deadline) return { drained: false, pending, total, records };
    await sleep(POLL_MS);
  }
}

/** One variant from start to stop: fresh database and topic, warm-up, measured load, drain. */
export async function measureVariant(
  variant: VariantName,
  round: number,
  infra: Infrastructure,
  options: MeasureOptions,
): Promise<VariantResult> {
  const id = `${variant.replace(/-/g, '_')}_${options.runId}_${round}`;
  const publishes = variant !== 'ceiling';
  const topicPrefix = `bench-${variant}-${options.runId}-${round}.`;
  const loadBefore = loadavg()[0]!;
  const topic = topicName('products', topicPrefix);
  const databaseUrl = publishes ? await infra.createDatabase(`bench_${id}`) : '';
  // Created up front, with Herald's default partition count, so no variant waits on topic creation.
  if (publishes) await infra.createTopics([topic], options.partitions);

  const server = await startServerProcess({
    variant,
    settings: { databaseUrl, brokers: infra.brokers, topicPrefix, perEventMaxWorkers: options.perEventMaxWorkers },
  });
  try {
    const kind = publishes ? 'create-products' : 'hello-world';
    const common = { url: server.url, connections: options.connections, kind, authorization: server.authorization } as const;
    if (options.warmupSeconds > 0) {
      await runLoad({ ...common, durationSeconds: options.warmupSeconds, skuPrefix: `${id}-warmup` });
    }
    let warmupDrained = true;
    if (publishes) {
      const deadline = Date.now() + Math.min(options.drainTimeoutSeconds, WARMUP_DRAIN_LIMIT_S) * 1000;
      warmupDrained = (await waitForDrain(infra, databaseUrl, topic, deadline)).drained;
    }

    const before = publishes ? { records: await infra.countRecords([topic]), ...(await infra.outboxCounts(databaseUrl)) } : null;
    const cpuAtStart = await server.cpuSeconds();
    const loadStart = Date.now();
    const load = await runLoad({ ...common, durationSeconds: options.durationSeconds, skuPrefix: `${id}-load` });
    const loadEnd = Date.now();

    let events: EventResult | null = null;
    if (before) {
      const recordsAtLoadEnd = await infra.countRecords([topic]);
      const after = await waitForDrain(infra, databaseUrl, topic, loadEnd + options.drainTimeoutSeconds * 1000);
      const drainedAt = Date.now();
      const delivered = after.records - before.records;
      events = {
        written: after.total - before.total,
        delivered,
        deliveredDuringLoad: recordsAtLoadEnd - before.records,
        eventsPerSecond: delivered / ((drainedAt - loadStart) / 1000),
        drainSeconds: (drainedAt - loadEnd) / 1000,
        drained: after.drained,
        pendingAtEnd: after.pending,
        duplicates: Math.max(0, after.records - after.total),
        warmupDrained,
      };
    }
    const cpuSeconds = (await server.cpuSeconds()) - cpuAtStart;
    return {
      variant,
      round,
      apiCpuMsPerRequest: (cpuSeconds * 1000) / Math.max(1, load.requests),
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
      load,
      events,
      publisher: await server.stats(),
    };
  } finally {
    await server.stop();
  }
}
