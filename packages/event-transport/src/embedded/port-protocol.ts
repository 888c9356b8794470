import { TransportError, isTransportErrorCode, type TransportErrorCode } from '../errors.js';
import type { ConsumerOptions, OutgoingMessage, RecordBatch } from '../types.js';

/**
 * The messages a transport port carries between a worker thread and the embedded broker on the
 * main thread. Requests from the worker carry an id, and the broker answers each with one reply
 * of the same id. A running consumer's batches go the other way as pushes, each answered by
 * the worker with the count it handled. Records travel as whole batches: every message is a
 * structured clone, so fewer, larger messages cost less than one per record.
 *
 * The producer's requests (connect, send) and replies are those of the first, producer-only
 * version of this channel, so a producer port is a transport port used for sends only.
 */
export type PortRequest =
  | { id: number; op: 'connect' }
  | { id: number; op: 'send'; messages: OutgoingMessage[] }
  | { id: number; op: 'ensureTopics'; topics: string[]; partitions: number }
  | { id: number; op: 'consumerLag'; groupId: string; topics: string[] }
  | { id: number; op: 'consume'; consumerId: number; options: ConsumerOptions; maxBatchSize: number }
  | { id: number; op: 'stopConsumer'; consumerId: number };

/** What a request asks for, before the client numbers it. */
export type PortRequestBody = WithoutId<PortRequest>;
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;

export type PortReply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; code: TransportErrorCode; message: string };

/** Broker to worker, outside any request: a batch to handle, or word that its partition is revoked. */
export type PortPush =
  | { push: 'batch'; consumerId: number; deliveryId: number; batch: RecordBatch }
  | { push: 'revoke'; deliveryId: number };

/**
 * Worker to broker: how a pushed batch went. `count` records from the first were handled; an
 * `error` says why the rest were not (a rejection when count is 0).
 */
export interface DeliveryOutcome {
  op: 'handled';
  deliveryId: number;
  count: number;
  error?: unknown;
}

export type BrokerBound = PortRequest | DeliveryOutcome;
export type WorkerBound = PortReply | PortPush;

export function errorReply(id: number, error: unknown, fallback: TransportErrorCode): PortReply {
  const code = error instanceof TransportError ? error.code : fallback;
  return { id, ok: false, code, message: (error as Error)?.message ?? String(error) };
}

export function errorFromReply(reply: Extract<PortReply, { ok: false }>, fallback: TransportErrorCode): TransportError {
  return new TransportError(isTransportErrorCode(reply.code) ? reply.code : fallback, reply.message);
}
