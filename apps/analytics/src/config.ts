import { readEnv } from '@herald/config';
import { ANALYTICS_ERROR_CODES, AnalyticsError } from './errors.js';

/**
 * Every setting the standalone analytics process reads, validated once at start-up. Nothing else
 * reads `process.env`. In-process use (startAnalytics) takes its settings from the caller instead.
 */
const configSchema = {
  type: 'object',
  required: ['DATABASE_URL', 'KAFKA_BROKERS'],
  properties: {
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    DB_POOL_MAX: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
    KAFKA_BROKERS: { type: 'string', pattern: '^[^,\\s]+(,[^,\\s]+)*$' },
    KAFKA_CLIENT_ID: { type: 'string', minLength: 1, default: 'herald-analytics' },
    TOPIC_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]*$', default: '' },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
  },
  additionalProperties: true,
} as const;

export interface AnalyticsConfig {
  databaseUrl: string;
  dbPoolMax: number;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topicPrefix: string;
  logLevel: string;
  shutdownTimeoutMs: number;
}

interface RawConfig {
  DATABASE_URL: string;
  DB_POOL_MAX: number;
  KAFKA_BROKERS: string;
  KAFKA_CLIENT_ID: string;
  TOPIC_PREFIX: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
}


export function loadConfig(env: Record<string, string | undefined>): AnalyticsConfig {
  const raw = readEnv<RawConfig>(configSchema, env, (message, cause) => new AnalyticsError(ANALYTICS_ERROR_CODES.config, message, { cause }));
  return {
    databaseUrl: raw.DATABASE_URL,
    dbPoolMax: raw.DB_POOL_MAX,
    kafkaBrokers: raw.KAFKA_BROKERS.split(','),
    kafkaClientId: raw.KAFKA_CLIENT_ID,
    topicPrefix: raw.TOPIC_PREFIX,
    logLevel: raw.LOG_LEVEL,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
  };
}
