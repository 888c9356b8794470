import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Test } from 'tap';
import { descriptorTransferList, type OutgoingMessage, type TransportDescriptor } from '../../src/index.js';
import type { WorkerReply } from '../fixtures/producer-worker.js';

export interface ProducerWorker {
  /** Asks the worker's producer to send; resolves with the outcome the worker observed. */
  send(messages: OutgoingMessage[]): Promise<WorkerReply>;
}

/** Spawns a real worker thread that owns a producer built from `descriptor`, as the relay does. */
export async function startProducerWorker(t: Test, descriptor: TransportDescriptor): Promise<ProducerWorker> {
  const worker = new Worker(new URL('../fixtures/producer-worker.mjs', import.meta.url), {
    workerData: { descriptor },
    transferList: descriptorTransferList(descriptor),
  });
  t.teardown(() => worker.terminate());
  const [first] = (await once(worker, 'message')) as [{ ready?: boolean }];
  if (!first.ready) throw new Error('the producer worker did not start');

  const pending = new Map<number, (reply: WorkerReply) => void>();
  worker.on('message', (reply: WorkerReply) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  let nextId = 1;
  return {
    send(messages) {
      const id = nextId++;
      return new Promise<WorkerReply>((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ id, op: 'send', messages });
      });
    },
  };
}
