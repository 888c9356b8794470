import { TransportError, type TransportErrorCode } from '../errors.js';

// kafkajs error names and protocol error types that mean "the cluster cannot be reached right
// now", as opposed to "this request is wrong".
const UNREACHABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);
const UNREACHABLE_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
]);

interface KafkaJsLikeError {
  name?: string;
  type?: string;
  cause?: unknown;
}

/** kafkajs wraps the real reason (NumberOfRetriesExceeded → ProtocolError ...): walk the chain. */
function causes(error: unknown): KafkaJsLikeError[] {
  const chain: KafkaJsLikeError[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 10) {
    chain.push(current as KafkaJsLikeError);
    current = (current as KafkaJsLikeError).cause;
  }
  return chain;
}

/**
 * The cluster does not know the topic or its partitions' leaders yet: what a broker answers for a
 * topic the controller has just created, until the news reaches it. A broker that metadata
 * already names as a partition's leader may also answer NOT_LEADER_FOR_PARTITION for a moment,
 * until it has taken the partition over.
 */
export function isNotYetKnownTopic(error: unknown): boolean {
  return causes(error).some((e) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e.type === 'LEADER_NOT_AVAILABLE' || e.type === 'NOT_LEADER_FOR_PARTITION');
}

/** Translates a kafkajs error into a TransportError (keeping it as `cause`). */
export function fromKafkaError(error: unknown, fallback: TransportErrorCode, action: string): TransportError {
  if (error instanceof TransportError) return error;
  const chain = causes(error);
  let code: TransportErrorCode = fallback;
  if (chain.some((e) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION')) code = 'ERR_TRANSPORT_UNKNOWN_TOPIC';
  else if (chain.some((e) => UNREACHABLE_NAMES.has(e.name ?? '') || UNREACHABLE_TYPES.has(e.type ?? ''))) {
    code = 'ERR_TRANSPORT_UNAVAILABLE';
  }
  const reason = chain.at(-1) as { message?: string } | undefined;
  return new TransportError(code, `${action} failed: ${reason?.message ?? String(error)}`, { cause: error });
}
