import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } from '@herald/event-schemas';
import { build } from 'esbuild';
import { initialRelayStatus } from '../../../apps/api/src/publisher/protocol.js';
import type { Publisher, PublisherOptions, PublisherState } from '../../../apps/api/src/publisher/publisher.js';
import type { PerEventWorkerData, PerEventWorkerResult } from './per-event-worker.js';

export interface WorkerPerEventStats {
  workersStarted: number;
  workerFailures: number;
  peakConcurrentWorkers: number;
  peakQueuedCommits: number;
}

/**
 * The worker is bundled once into a single ES module, as a production build would ship it.
 * Starting each worker through tsx instead would charge every event for compiling TypeScript
 * (about 0.7 s of CPU per worker on the reference machine), which is not what this variant is about.
 */
export async function bundleWorker(outDir: string): Promise<string> {
  const outfile = join(outDir, 'per-event-worker.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./per-event-worker.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@herald/source'],
    external: ['pg-native'],
    // kafkajs and pg are CommonJS and require() Node built-ins, which an ES module bundle lacks.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Variant (b): a `Publisher` whose `nudge()` starts a new worker thread per commit. Each worker
 * opens its own producer, sends one commit's rows, marks them published and exits.
 *
 * `maxWorkers` bounds the workers alive at once; further commits wait for a slot. Without a
 * bound the process thrashes within seconds (each worker is a V8 isolate with kafkajs and pg
 * loaded), so any real implementation of this design would need one. 0 means unbounded.
 */
export function startWorkerPerEventPublisher(
  options: PublisherOptions,
  entry: string,
  maxWorkers: number,
): Publisher & { stats(): WorkerPerEventStats } {
  const { descriptor } = options.describeTransport();
  if (descriptor.kind !== 'kafka') throw new Error('worker-per-event: the benchmark runs against Kafka only');
  const status = initialRelayStatus();
  const stats: WorkerPerEventStats = { workersStarted: 0, workerFailures: 0, peakConcurrentWorkers: 0, peakQueuedCommits: 0 };
  const running = new Set<Worker>();
  let queued = 0;
  let stopping = false;
  let idle: (() => void) | undefined;
  const workerData: PerEventWorkerData = {
    databaseUrl: options.settings.databaseUrl,
    descriptor,
    headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE },
  };

  function spawn(): void {
    const worker = new Worker(entry, { workerData, name: 'herald-bench-per-event' });
    running.add(worker);
    stats.workersStarted += 1;
    stats.peakConcurrentWorkers = Math.max(stats.peakConcurrentWorkers, running.size);
    let sent = false;
    worker.on('message', (result: PerEventWorkerResult) => {
      sent = true;
      if (result.sent > 0) {
        status.publishedTotal += result.sent;
        status.batchesTotal += 1;
        status.lastPublishedAt = new Date().toISOString();
        status.broker = 'connected';
      }
    });
    worker.on('error', (error) => {
      status.sendFailuresTotal += 1;
      status.lastError = String(error.message ?? error);
      status.lastErrorAt = new Date().toISOString();
    });
    worker.on('exit', () => {
      running.delete(worker);
      if (!sent) {
        // The commit this worker stood for is still pending: another worker must take it.
        stats.workerFailures += 1;
        if (!stopping) queued += 1;
      }
      pump();
    });
  }

  function pump(): void {
    while (queued > 0 && (maxWorkers === 0 || running.size < maxWorkers)) {
      queued -= 1;
      spawn();
    }
    if (running.size === 0 && queued === 0) idle?.();
  }

  return {
    nudge() {
      if (stopping) return;
      queued += 1;
      stats.peakQueuedCommits = Math.max(stats.peakQueuedCommits, queued);
      pump();
    },

    state(): PublisherState {
      return { ...status, leader: true, backlog: queued, worker: stopping ? 'stopped' : 'running', workerRestarts: 0 };
    },

    stats: () => ({ ...stats }),

    async stop(timeoutMs) {
      stopping = true;
      if (running.size > 0 || queued > 0) {
        const timer = setTimeout(() => idle?.(), timeoutMs);
        await new Promise<void>((resolve) => (idle = resolve));
        clearTimeout(timer);
      }
      queued = 0;
      await Promise.all([...running].map((worker) => worker.terminate()));
    },
  };
}
