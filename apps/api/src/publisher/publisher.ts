import type { TransferListItem, Worker } from 'node:worker_threads';
import type { TransportDescriptor } from '@herald/event-transport';
import { startModuleWorker } from '../lib/typescript-worker.js';
import { createDoorbellMemory, DoorbellButton } from './doorbell.js';
import { initialRelayStatus, type MainToWorker, type RelaySettings, type RelayStatus, type WorkerToMain } from './protocol.js';

export interface PublisherLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PublisherOptions {
  settings: RelaySettings;
  /** Called for each worker start: a fresh descriptor (an embedded broker hands out a new port each time). */
  describeTransport: () => { descriptor: TransportDescriptor; transferList: TransferListItem[] };
  log: PublisherLogger;
}

export interface PublisherState extends RelayStatus {
  worker: 'starting' | 'running' | 'restarting' | 'stopped';
  workerRestarts: number;
}

export interface Publisher {
  /** Tells the worker that events were committed. Cheap; safe to call after every write. */
  nudge(): void;
  state(): PublisherState;
  /** Lets the worker publish what is pending (up to `timeoutMs`), close its producer and exit. */
  stop(timeoutMs: number): Promise<void>;
}

const RESTART_DELAY_MS = 1_000;
const RESTART_DELAY_MAX_MS = 30_000;
const COUNTERS = ['publishedTotal', 'batchesTotal', 'sendFailuresTotal', 'setAsideTotal'] as const;

/**
 * The main thread's handle on the publisher worker. The main thread never produces to the broker
 * itself: it nudges the worker after commits and reads the state the worker reports. A worker that
 * dies is restarted; counters carry over restarts so metrics stay monotonic.
 */
export function startPublisher(options: PublisherOptions): Publisher {
  let worker: Worker | undefined;
  let status: RelayStatus = initialRelayStatus();
  let lifecycle: PublisherState['worker'] = 'starting';
  let restarts = 0;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const carried = Object.fromEntries(COUNTERS.map((key) => [key, 0])) as Record<(typeof COUNTERS)[number], number>;

  let doorbell: DoorbellButton | undefined;

  function spawn() {
    const { descriptor, transferList } = options.describeTransport();
    // A fresh doorbell per worker: a new worker starts by reading the outbox anyway.
    const memory = createDoorbellMemory();
    doorbell = new DoorbellButton(memory);
    const current: Worker = startModuleWorker(new URL('./relay-worker.ts', import.meta.url), {
      workerData: { settings: options.settings, descriptor, doorbell: memory },
      transferList,
      name: 'herald-outbox-relay',
    });
    worker = current;
    current.on('online', () => {
      if (worker === current) lifecycle = 'running';
    });
    current.on('message', (message: WorkerToMain) => {
      if (message.type === 'status') status = message.status;
    });
    current.on('error', (error) => options.log.error({ err: error }, 'publisher worker failed'));
    current.on('exit', (code) => {
      if (worker !== current) return;
      for (const key of COUNTERS) carried[key] += status[key];
      status = { ...initialRelayStatus(), backlog: status.backlog, oldestPendingSeconds: status.oldestPendingSeconds };
      worker = undefined;
      if (stopping) {
        lifecycle = 'stopped';
        return;
      }
      lifecycle = 'restarting';
      restarts += 1;
      // A worker that keeps dying (e.g. a bad deployment) is restarted ever more slowly.
      const delay = Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** Math.min(restarts - 1, 10));
      options.log.error({ code, restartInMs: delay }, 'publisher worker exited; restarting it');
      restartTimer = setTimeout(spawn, delay);
    });
  }

  const send = (message: MainToWorker) => worker?.postMessage(message);
  spawn();

  return {
    // A message only when the worker waits; while it publishes, the shared flag is enough.
    nudge: () => {
      if (doorbell?.ring()) send({ type: 'nudge' });
    },

    state: () => ({
      ...status,
      ...Object.fromEntries(COUNTERS.map((key) => [key, carried[key] + status[key]])),
      worker: lifecycle,
      workerRestarts: restarts,
    }),

    async stop(timeoutMs) {
      stopping = true;
      clearTimeout(restartTimer);
      const current = worker;
      if (!current) {
        lifecycle = 'stopped';
        return;
      }
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      // Leave a margin for the producer to disconnect after the final drain.
      send({ type: 'stop', deadlineMs: Math.max(0, timeoutMs - 1_000) });
      const timer = setTimeout(() => {
        options.log.error({ timeoutMs }, 'publisher worker did not stop in time; terminating it');
        void current.terminate();
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
