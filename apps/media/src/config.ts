import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '@herald/config';
import { MEDIA_ERROR_CODES, MediaError } from './errors.js';

/**
 * What the worker does with each upload. The API reads them too, to run the worker in its
 * consumer thread on the embedded default; both validate them from the same environment.
 */
const mediaSettingsProperties = {
  MEDIA_BUCKET: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', default: 'herald-media' },
  MEDIA_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 32, default: 2 },
  MEDIA_MAX_PIXELS: { type: 'integer', minimum: 360000, maximum: 268402689, default: 100000000 },
  MEDIA_MAX_BYTES: { type: 'integer', minimum: 1, maximum: 5368709120, default: 104857600 },
  MEDIA_JPEG_QUALITY: { type: 'integer', minimum: 1, maximum: 100, default: 82 },
  MEDIA_WORK_DIR: { type: 'string', minLength: 1 },
} as const;

const configSchema = {
  type: 'object',
  properties: {
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    S3_ENDPOINT: { type: 'string', pattern: '^https?://' },
    S3_REGION: { type: 'string', minLength: 1, default: 'us-east-1' },
    S3_ACCESS_KEY: { type: 'string', minLength: 1 },
    S3_SECRET_KEY: { type: 'string', minLength: 1 },
    KAFKA_BROKERS: { type: 'string', pattern: '^[^,\\s]+(,[^,\\s]+)*$' },
    KAFKA_CLIENT_ID: { type: 'string', minLength: 1, default: 'herald-media' },
    TOPIC_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]*$', default: '' },
    TOPIC_PARTITIONS: { type: 'integer', minimum: 1, maximum: 1000, default: 3 },
    ...mediaSettingsProperties,
  },
  additionalProperties: true,
} as const;

/** How the worker checks and converts uploads. */
export interface MediaSettings {
  /** The bucket of originals (`uploads/`), converted images (`images/`) and rejection records (`rejections/`). */
  bucket: string;
  /** Images processed at once by one worker process; each holds a temporary copy of its original on disk. */
  concurrency: number;
  /** Most pixels of an accepted original (width x height), checked from its header before decoding. */
  maxPixels: number;
  /** Largest accepted original in bytes (the upload limit; storage already refuses larger ones). */
  maxBytes: number;
  /** JPEG quality of the 600x600 image. */
  jpegQuality: number;
  /** Where originals are copied while they are checked (one folder per image, removed after). */
  workDir: string;
}

export interface MediaConfig {
  logLevel: string;
  shutdownTimeoutMs: number;
  s3: {
    /** Absent: only the API's consumer thread can run the worker (next to its in-process S3). */
    endpoint: string | undefined;
    region: string;
    accessKey: string | undefined;
    secretKey: string | undefined;
  };
  /** Absent: no Kafka (the API then runs the worker in its consumer thread, on its embedded broker). */
  kafkaBrokers: string[] | undefined;
  kafkaClientId: string;
  topicPrefix: string;
  topicPartitions: number;
  media: MediaSettings;
}

interface RawMediaSettings {
  MEDIA_BUCKET: string;
  MEDIA_CONCURRENCY: number;
  MEDIA_MAX_PIXELS: number;
  MEDIA_MAX_BYTES: number;
  MEDIA_JPEG_QUALITY: number;
  MEDIA_WORK_DIR?: string;
}

interface RawConfig extends RawMediaSettings {
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  S3_ENDPOINT?: string;
  S3_REGION: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  KAFKA_BROKERS?: string;
  KAFKA_CLIENT_ID: string;
  TOPIC_PREFIX: string;
  TOPIC_PARTITIONS: number;
}

function parse<T>(schema: object, env: Record<string, string | undefined>): T {
  return readEnv<T>(schema, env, (message, cause) => new MediaError(MEDIA_ERROR_CODES.config, message, { cause }));
}

function mediaSettingsOf(raw: RawMediaSettings): MediaSettings {
  return {
    bucket: raw.MEDIA_BUCKET,
    concurrency: raw.MEDIA_CONCURRENCY,
    maxPixels: raw.MEDIA_MAX_PIXELS,
    maxBytes: raw.MEDIA_MAX_BYTES,
    jpegQuality: raw.MEDIA_JPEG_QUALITY,
    workDir: raw.MEDIA_WORK_DIR ?? join(tmpdir(), 'herald-media'),
  };
}

/** The worker's settings alone (the API reads them to run the worker in its consumer thread). */
export function loadMediaSettings(env: Record<string, string | undefined>): MediaSettings {
  return mediaSettingsOf(parse<RawMediaSettings>({ type: 'object', properties: mediaSettingsProperties, additionalProperties: true }, env));
}

/** Every setting of the media worker process, validated once. Nothing else reads `process.env`. */
export function loadConfig(env: Record<string, string | undefined>): MediaConfig {
  const raw = parse<RawConfig>(configSchema, env);
  if (raw.S3_ENDPOINT && (!raw.S3_ACCESS_KEY || !raw.S3_SECRET_KEY)) {
    throw new MediaError(MEDIA_ERROR_CODES.config, `invalid configuration: S3_ENDPOINT is set (${raw.S3_ENDPOINT}) but S3_ACCESS_KEY or S3_SECRET_KEY is missing`);
  }
  return {
    logLevel: raw.LOG_LEVEL,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    s3: { endpoint: raw.S3_ENDPOINT, region: raw.S3_REGION, accessKey: raw.S3_ACCESS_KEY, secretKey: raw.S3_SECRET_KEY },
    kafkaBrokers: raw.KAFKA_BROKERS?.split(','),
    kafkaClientId: raw.KAFKA_CLIENT_ID,
    topicPrefix: raw.TOPIC_PREFIX,
    topicPartitions: raw.TOPIC_PARTITIONS,
    media: mediaSettingsOf(raw),
  };
}
