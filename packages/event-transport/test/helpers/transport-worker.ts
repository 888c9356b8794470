import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Test } from 'tap';
import { descriptorTransferList, type TransportDescriptor } from '../../src/index.js';
import type { TransportWorkerCommand, TransportWorkerMessage } from '../fixtures/transport-worker.js';
import { eventually } from './eventually.js';

type Distribute<C> = C extends unknown ? Omit<C, 'id'> : never;
type Command = Distribute<TransportWorkerCommand>;
type BatchEvent = Extract<TransportWorkerMessage, { event: 'batch' }>;
type RecordEvent = Extract<TransportWorkerMessage, { event: 'record' }>;

export interface TransportWorker {
  readonly worker: Worker;
  /** Runs a command in the worker; rejects with the worker's error (code and message). */
  call<T = unknown>(command: Command): Promise<T>;
  /** Batches the worker's batch handlers received, in order. */
  readonly batches: BatchEvent[];
  /** Records the worker's record handlers received, in order. */
  readonly records: RecordEvent[];
  waitForBatches(count: number): Promise<BatchEvent[]>;
}

/** Spawns a real worker thread that owns a transport built from `descriptor`. */
export async function startTransportWorker(t: Test, descriptor: TransportDescriptor): Promise<TransportWorker> {
  const worker = new Worker(new URL('../fixtures/transport-worker.mjs', import.meta.url), {
    workerData: { descriptor },
    transferList: descriptorTransferList(descriptor),
  });
  t.teardown(() => worker.terminate());
  const [first] = (await once(worker, 'message')) as [{ ready?: boolean }];
  if (!first.ready) throw new Error('the transport worker did not start');

  const batches: BatchEvent[] = [];
  const records: RecordEvent[] = [];
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  worker.on('message', (message: TransportWorkerMessage) => {
    if ('event' in message) {
      if (message.event === 'batch') batches.push(message);
      else records.push(message);
      return;
    }
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.value);
    else waiter?.reject(Object.assign(new Error(message.message), { code: message.code }));
  });
  let nextId = 1;
  return {
    worker,
    batches,
    records,
    call<T>(command: Command) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ id, ...command });
      });
    },
    waitForBatches: (count) =>
      eventually(() => {
        if (batches.length < count) throw new Error(`received ${batches.length} of ${count} batches`);
        return batches;
      }),
  };
}
