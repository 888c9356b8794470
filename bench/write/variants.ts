import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@herald/stack';
import { benchAuth, signIn } from '../auth.js';
import { HERALD_NODE_FLAGS, startNodeServer, type ServerProcess } from './processes.js';

export const VARIANTS = ['herald-embedded', 'herald-embedded-api', 'herald-kafka', 'herald-kafka-api', 'minimal-prepared', 'minimal-4-statements', 'pgbench'] as const;
export type VariantName = (typeof VARIANTS)[number];

export const LABELS: Record<VariantName, string> = {
  'herald-embedded': 'A. Herald, embedded broker',
  'herald-embedded-api': 'A′. Herald, embedded broker, consumers not in the API process',
  'herald-kafka': 'B. Herald, Kafka',
  'herald-kafka-api': 'B′. Herald, Kafka, consumers not in the API process',
  'minimal-prepared': 'C. minimal Fastify + pg, one prepared statement',
  'minimal-4-statements': 'C′. minimal, BEGIN + 2 INSERT + COMMIT (unnamed)',
  pgbench: 'D. pgbench, same statement, prepared',
};

type HeraldVariant = 'herald-embedded' | 'herald-embedded-api' | 'herald-kafka' | 'herald-kafka-api';
export const isHerald = (variant: VariantName): variant is HeraldVariant => variant.startsWith('herald-');
/** Herald on Kafka (B, B′); the others on the embedded broker. */
export const onKafka = (variant: VariantName): boolean => variant === 'herald-kafka' || variant === 'herald-kafka-api';

/**
 * What a variant's writes are followed by before the measurement ends: nothing (the minimal
 * server, pgbench); the outbox emptied by the publisher (A′, B′: no consumer runs); the whole
 * pipeline, outbox, notifier and analytics (A, B).
 */
export type Drain = 'none' | 'outbox' | 'consumers';
export const drainOf = (variant: VariantName): Drain =>
  !isHerald(variant) ? 'none' : variant.endsWith('-api') ? 'outbox' : 'consumers';

/**
 * The variants whose reads are measured: Herald on one transport (it does not touch the broker),
 * as `npm start` runs it (A) and without consumers in the process (A′), and the minimal server.
 */
export const measuresReads = (variant: VariantName) =>
  variant === 'herald-embedded' || variant === 'herald-embedded-api' || variant === 'minimal-prepared';

/** The API's pool size by default (DB_POOL_MAX); the minimal server gets the same. */
export const POOL_MAX = 10;

/** Where herald-kafka's notifier keeps its event log. */
export type EventLogStore =
  | { kind: 'embedded' }
  | { kind: 'dynamodb-local'; endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };

export interface ServerSettings {
  databaseUrl: string;
  /** Unique per variant and round: Kafka topic and group names, DynamoDB table name. */
  namespace: string;
  brokers: string;
  eventLog: EventLogStore;
  logLevel: string;
  /** Extra Node flags for the server (the profile's --cpu-prof). */
  nodeFlags?: string[];
}

const HERALD_ENTRY = 'apps/api/src/main.ts';
const MINIMAL_ENTRY = new URL('./minimal/server.ts', import.meta.url).pathname;

/**
 * Herald as `npm start` runs it (`apps/api/src/main.ts`, in-process notifier and analytics on),
 * on this variant's fresh database; B and B′ against Kafka. The `-api` variants are the same with
 * `IN_PROCESS_CONSUMERS=false`: the API's own write path, no consumer in the process.
 * Its writes are an admin's, as product writes must be: the server gets an admin password and
 * rate limits no load here reaches, and the load signs in once and sends the access token.
 */
async function startHerald(variant: HeraldVariant, settings: ServerSettings): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-bench-write-'));
  await chmod(dataDir, 0o755);
  const port = await findFreePort();
  const auth = benchAuth();
  const env: Record<string, string> = {
    ...auth.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: settings.logLevel,
    DATA_DIR: dataDir,
    DATABASE_URL: settings.databaseUrl,
    IN_PROCESS_CONSUMERS: drainOf(variant) === 'consumers' ? 'true' : 'false',
    // Any free port: several servers may overlap while one stops and the next starts.
    EMBEDDED_DYNAMODB_PORT: '0',
    EMBEDDED_S3_PORT: '0',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  if (onKafka(variant)) {
    env.KAFKA_BROKERS = settings.brokers;
    env.TOPIC_PREFIX = `${settings.namespace}.`;
    if (settings.eventLog.kind === 'dynamodb-local') {
      env.DYNAMODB_ENDPOINT = settings.eventLog.endpoint;
      env.DYNAMODB_REGION = settings.eventLog.region;
      env.DYNAMODB_ACCESS_KEY_ID = settings.eventLog.accessKeyId;
      env.DYNAMODB_SECRET_ACCESS_KEY = settings.eventLog.secretAccessKey;
      env.EVENT_LOG_TABLE = settings.namespace;
    }
  }
  const server = await startNodeServer({
    label: variant,
    entry: HERALD_ENTRY,
    port,
    env,
    readyPath: '/health/ready',
    nodeFlags: [...HERALD_NODE_FLAGS, ...(settings.nodeFlags ?? [])],
  }).catch(async (error) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const authorization = await signIn(server.url, auth.adminPassword).catch(async (error) => {
    await stop();
    throw error;
  });
  return { ...server, authorization, stop };
}

async function startMinimal(mode: 'prepared' | 'statements', settings: ServerSettings): Promise<ServerProcess> {
  const port = await findFreePort();
  return startNodeServer({
    label: `minimal-${mode}`,
    entry: MINIMAL_ENTRY,
    port,
    env: { DATABASE_URL: settings.databaseUrl, PORT: String(port), WRITE_MODE: mode, DB_POOL_MAX: String(POOL_MAX) },
    readyPath: '/health/ready',
    nodeFlags: settings.nodeFlags ?? [],
  });
}

export function startServer(variant: Exclude<VariantName, 'pgbench'>, settings: ServerSettings): Promise<ServerProcess> {
  switch (variant) {
    case 'herald-embedded':
    case 'herald-embedded-api':
    case 'herald-kafka':
    case 'herald-kafka-api':
      return startHerald(variant, settings);
    case 'minimal-prepared':
      return startMinimal('prepared', settings);
    case 'minimal-4-statements':
      return startMinimal('statements', settings);
  }
}
