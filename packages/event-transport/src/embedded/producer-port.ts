import type { MessagePort } from 'node:worker_threads';
import { TransportError, isTransportErrorCode, type TransportErrorCode } from '../errors.js';
import { assertMessages } from '../internal/validate.js';
import type { EventProducer, OutgoingMessage } from '../types.js';

/**
 * The worker-thread bridge of the embedded broker. The application's only producer (the outbox
 * relay) runs on a worker thread while the embedded broker lives on the main thread; a
 * MessagePort handed to the worker through `workerData` + `transferList` carries produce
 * requests one way and acknowledgements back. Requests are correlated by id.
 */
type BridgeRequest = { id: number; op: 'connect' } | { id: number; op: 'send'; messages: OutgoingMessage[] };
type BridgeReply = { id: number; ok: true } | { id: number; ok: false; code: TransportErrorCode; message: string };

export interface ProducerPortHandlers {
  connect(): Promise<void>;
  produce(messages: OutgoingMessage[]): Promise<void>;
}

/**
 * Main-thread side: answers the requests arriving on `port`. Requests are handled one after the
 * other, so batches keep the order in which the worker sent them. The port does not keep the
 * main thread's event loop alive by itself.
 */
export function serveProducerPort(port: MessagePort, handlers: ProducerPortHandlers): void {
  let queue: Promise<void> = Promise.resolve();

  port.on('message', (request: BridgeRequest) => {
    queue = queue.then(async () => {
      let reply: BridgeReply;
      try {
        if (request.op === 'connect') await handlers.connect();
        else await handlers.produce(request.messages);
        reply = { id: request.id, ok: true };
      } catch (error) {
        const code = error instanceof TransportError ? error.code : 'ERR_TRANSPORT_SEND_FAILED';
        reply = { id: request.id, ok: false, code, message: (error as Error)?.message ?? String(error) };
      }
      try {
        port.postMessage(reply);
      } catch {
        // The worker is gone; nobody is waiting for this reply any more.
      }
    });
  });
  port.unref();
}

/**
 * Worker side: an EventProducer whose send() posts the batch to the main thread and resolves
 * once the embedded broker stored it. The port keeps the worker alive only while a request is
 * waiting for its reply.
 */
export function connectEmbeddedProducer(port: MessagePort): EventProducer {
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let disconnected = false;
  let portClosed = false;

  const updateRef = (): void => {
    if (pending.size > 0) port.ref();
    else port.unref();
  };

  port.on('message', (reply: BridgeReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    updateRef();
    if (reply.ok) waiter.resolve();
    else {
      const code = isTransportErrorCode(reply.code) ? reply.code : 'ERR_TRANSPORT_SEND_FAILED';
      waiter.reject(new TransportError(code, reply.message));
    }
  });
  port.on('close', () => {
    portClosed = true;
    for (const waiter of pending.values()) {
      waiter.reject(new TransportError('ERR_TRANSPORT_CLOSED', 'The embedded broker closed the producer port'));
    }
    pending.clear();
  });
  updateRef();

  function request(body: { op: 'connect' } | { op: 'send'; messages: OutgoingMessage[] }): Promise<void> {
    if (portClosed) {
      return Promise.reject(
        new TransportError('ERR_TRANSPORT_CLOSED', 'The embedded broker closed the producer port'),
      );
    }
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      try {
        port.postMessage({ id, ...body });
      } catch (error) {
        reject(new TransportError('ERR_TRANSPORT_INVALID_MESSAGE', 'Cannot pass the batch to the broker', { cause: error }));
        return;
      }
      pending.set(id, { resolve, reject });
      updateRef();
    });
  }

  return {
    async connect() {
      disconnected = false;
      await request({ op: 'connect' });
    },
    async send(messages) {
      if (disconnected) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The producer is disconnected');
      assertMessages(messages);
      if (messages.length === 0) return;
      await request({ op: 'send', messages });
    },
    async disconnect() {
      disconnected = true;
    },
  };
}
