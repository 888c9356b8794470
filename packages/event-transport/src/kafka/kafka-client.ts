import { Kafka, logLevel, type LogEntry, type RetryOptions } from 'kafkajs';
import { silentLogger } from '../internal/silent-logger.js';
import { dropKafkajsUnthrottledTimerWarning } from '@herald/logging';
import type { TransportLogger } from '../types.js';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** What it takes to reach a cluster; serializable, so a worker thread can receive it. */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  /** TCP connect timeout per attempt. Default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Per-request timeout, also the broker-side ack timeout of a produce. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** Which kafkajs log lines reach the logger. Default 'warn'; kafkajs is chatty at 'info'. */
  kafkaLogLevel?: KafkaLogLevel;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 3000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

const LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

// Messages kafkajs logs about choices this package makes on purpose (see kafka-producer.ts).
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/**
 * Routes kafkajs's own log lines into the application's logger. kafkajs logs at "error" every
 * failed attempt it then retries or reports to the caller; since the caller sees (and logs) the
 * final error, those lines are passed on as warnings, with the original level attached.
 */
function logCreatorFor(logger: TransportLogger) {
  return () =>
    ({ namespace, level, label, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      if (EXPECTED_WARNINGS.includes(message)) return;
      const entry = { ...fields, kafkajs: namespace, kafkajsLevel: label.toLowerCase() };
      const text = `kafkajs: ${message}`;
      if (level === logLevel.DEBUG) logger.debug(entry, text);
      else if (level === logLevel.INFO) logger.info(entry, text);
      else logger.warn(entry, text);
    };
}

export function createKafkaClient(
  options: KafkaConnectionOptions,
  retry: RetryOptions,
  logger: TransportLogger = silentLogger,
): Kafka {
  dropKafkajsUnthrottledTimerWarning();
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry,
    logLevel: logger === silentLogger ? logLevel.NOTHING : LEVELS[options.kafkaLogLevel ?? 'warn'],
    logCreator: logCreatorFor(logger),
  });
}
