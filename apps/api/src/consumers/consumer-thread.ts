import type { TransferListItem, Worker } from 'node:worker_threads';
import type { TransportDescriptor } from '@herald/event-transport';
import type { ArchiverStats } from '@herald/notifier';
import type { Logger } from 'pino';
import { startModuleWorker } from '../lib/typescript-worker.js';
import type { ConsumerReport, ConsumerThreadSettings, ConsumerThreadToMain, MainToConsumerThread } from './protocol.js';

export interface ConsumerThreadOptions {
  settings: ConsumerThreadSettings;
  /** Called for each thread start: a fresh descriptor (an embedded broker hands out a new port each time). */
  describeTransport: () => { descriptor: TransportDescriptor; transferList: TransferListItem[] };
  log: Logger;
}

export interface StoreEndpoints {
  dynamodbEndpoint: string;
  s3Endpoint: string;
}

export interface ConsumerThread {
  /** Where the event log and archive are, once the thread has them open. */
  stores: Promise<StoreEndpoints>;
  /**
   * Starts consuming; resolves once every consumer joined its group (the thread retries a
   * consumer that cannot start yet, so this waits out a broker outage; it rejects on stop).
   */
  start(): Promise<void>;
  /** The consumers' counters, as of their last report (at most a second old). */
  reports(): ConsumerReport[];
  /** The archiver's counters as of its last report (undefined before it ran, or with no archiver). */
  archive(): ArchiverStats | undefined;
  /** Lets each consumer commit what it handled and leave its group, then ends the thread. */
  stop(timeoutMs: number): Promise<void>;
}

/** What `start()` rejects with when the thread is stopped first: part of a normal stop, not a failure. */
export class ConsumerThreadStopped extends Error {
  constructor() {
    super('the consumer thread was stopped before its consumers had started');
    this.name = 'ConsumerThreadStopped';
  }
}

const RESTART_DELAY_MS = 1_000;
const RESTART_DELAY_MAX_MS = 30_000;

/**
 * The main thread's handle on the consumer thread. A thread that dies is started again (its
 * consumers rejoin their groups and get redelivered whatever they had not committed, so nothing
 * is lost); its counters carry over so metrics stay monotonic.
 */
export function startConsumerThread(options: ConsumerThreadOptions): ConsumerThread {
  const { log } = options;
  let worker: Worker | undefined;
  let stopping = false;
  let wanted = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let latest: ConsumerReport[] = [];
  let archive: ArchiverStats | undefined;
  const carried = new Map<string, ConsumerReport['stats']>();

  let resolveStores!: (endpoints: StoreEndpoints) => void;
  let rejectStores!: (error: Error) => void;
  const stores = new Promise<StoreEndpoints>((resolve, reject) => {
    resolveStores = resolve;
    rejectStores = reject;
  });
  stores.catch(() => {});
  let startWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  const send = (message: MainToConsumerThread) => worker?.postMessage(message);

  function spawn() {
    const { descriptor, transferList } = options.describeTransport();
    const current = startModuleWorker(new URL('./consumer-worker.ts', import.meta.url), {
      workerData: { settings: options.settings, descriptor },
      transferList,
      name: 'herald-consumers',
    });
    worker = current;
    current.on('message', (message: ConsumerThreadToMain) => {
      switch (message.type) {
        case 'stores':
          resolveStores({ dynamodbEndpoint: message.dynamodbEndpoint, s3Endpoint: message.s3Endpoint });
          if (wanted) send({ type: 'start' });
          break;
        case 'started':
          restarts = 0;
          for (const waiter of startWaiters.splice(0)) waiter.resolve();
          break;
        case 'stats':
          latest = message.consumers;
          archive = message.archive;
          break;
        case 'stopped':
          break;
      }
    });
    current.on('error', (error) => log.error({ err: error }, 'consumer thread failed'));
    current.on('exit', (code) => {
      if (worker !== current) return;
      worker = undefined;
      for (const { group, stats } of latest) carried.set(group, addStats(carried.get(group), stats));
      latest = [];
      if (stopping) return;
      restarts += 1;
      const delay = Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** Math.min(restarts - 1, 10));
      log.error({ code, restartInMs: delay }, 'consumer thread exited; restarting it');
      rejectStores(new Error('the consumer thread exited before opening the event log'));
      restartTimer = setTimeout(spawn, delay);
    });
  }

  spawn();

  return {
    stores,
    start() {
      if (stopping) return Promise.reject(new ConsumerThreadStopped());
      wanted = true;
      const started = new Promise<void>((resolve, reject) => startWaiters.push({ resolve, reject }));
      send({ type: 'start' });
      return started;
    },
    reports() {
      const groups = new Set([...carried.keys(), ...latest.map((report) => report.group)]);
      return [...groups].map((group) => ({
        group,
        stats: addStats(carried.get(group), latest.find((report) => report.group === group)?.stats),
      }));
    },
    archive: () => archive,
    async stop(timeoutMs) {
      stopping = true;
      clearTimeout(restartTimer);
      for (const waiter of startWaiters.splice(0)) waiter.reject(new ConsumerThreadStopped());
      const current = worker;
      if (!current) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      send({ type: 'stop' });
      const timer = setTimeout(() => {
        log.error({ timeoutMs }, 'consumer thread did not stop in time; terminating it');
        void current.terminate();
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Counters of two lifetimes of one consumer added up (the thread restarted in between). */
function addStats(a: ConsumerReport['stats'] | undefined, b: ConsumerReport['stats'] | undefined): ConsumerReport['stats'] {
  if (!a || !b) return (a ?? b)!;
  const sum = { ...b };
  for (const key of Object.keys(sum) as Array<keyof typeof sum>) {
    if (typeof sum[key] === 'number') (sum as Record<string, unknown>)[key] = (a[key] as number) + (b[key] as number);
  }
  sum.lastError = b.lastError ?? a.lastError;
  return sum;
}
