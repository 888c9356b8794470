import type { MessagePort } from 'node:worker_threads';
import { TransportError, type TransportErrorCode } from '../errors.js';
import { errorFromReply, type BrokerBound, type PortPush, type PortRequestBody, type WorkerBound } from './port-protocol.js';

/**
 * Worker side of a transport port: numbers requests, matches replies to them, and passes pushes
 * (batches for consumers) on. The port keeps the worker alive only while something needs it: a
 * request waiting for its reply, or a hold (a running consumer, which waits for batches). Idle,
 * it lets the worker end.
 */
export interface PortClient {
  request<T = void>(body: PortRequestBody, fallback: TransportErrorCode): Promise<T>;
  /** Posts a message that expects no reply (a delivery outcome). */
  post(message: BrokerBound): void;
  /** Keeps the port referenced until the returned function is called. */
  hold(): () => void;
  readonly closed: boolean;
  close(): void;
}

export function createPortClient(
  port: MessagePort,
  handlers: { onPush?(push: PortPush): void; onClose?(): void } = {},
): PortClient {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; fallback: TransportErrorCode }>();
  let holds = 0;
  let nextId = 1;
  let closed = false;

  const updateRef = (): void => {
    if (!closed && (pending.size > 0 || holds > 0)) port.ref();
    else port.unref();
  };
  const closedError = (): TransportError =>
    new TransportError('ERR_TRANSPORT_CLOSED', 'The embedded broker closed the transport port');

  port.on('message', (message: WorkerBound) => {
    if ('push' in message) {
      handlers.onPush?.(message);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    updateRef();
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(errorFromReply(message, waiter.fallback));
  });
  const shutDown = (): void => {
    if (closed) return;
    closed = true;
    for (const waiter of pending.values()) waiter.reject(closedError());
    pending.clear();
    updateRef();
    handlers.onClose?.();
  };
  port.once('close', shutDown);
  updateRef();

  return {
    get closed() {
      return closed;
    },
    request<T>(body: PortRequestBody, fallback: TransportErrorCode): Promise<T> {
      if (closed) return Promise.reject(closedError());
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        try {
          port.postMessage({ id, ...body });
        } catch (error) {
          reject(new TransportError('ERR_TRANSPORT_INVALID_MESSAGE', `Cannot pass the ${body.op} request to the broker`, { cause: error }));
          return;
        }
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, fallback });
        updateRef();
      });
    },
    post(message) {
      if (closed) return;
      port.postMessage(message);
    },
    hold() {
      holds += 1;
      updateRef();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds -= 1;
        updateRef();
      };
    },
    close() {
      port.close();
      shutDown();
    },
  };
}
