import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.js';
import { findFreePort } from './ports.js';
import { lastLines, run } from './run.js';
import { ManagedService, ownedTempDir } from './service.js';

const MINIO_MODULE = 'github.com/minio/minio';
/**
 * MinIO publishes no semver tags, so `@latest` resolves to a pseudo-version of
 * its newest commit. If that ever stops building, this pinned pseudo-version
 * (what `@latest` resolved to when this was written, builds with Go 1.26) is tried.
 */
export const MINIO_FALLBACK_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

export interface MinioInstall {
  binary: string;
}

export interface MinioOptions {
  port?: number;
  /** Object storage folder; a temp dir removed at process exit when omitted. */
  dataDir?: string;
  logFile?: string;
  accessKey?: string;
  secretKey?: string;
  /**
   * Kafka brokers (`host:port,...`) for MinIO's bucket notifications: a Kafka target with the id
   * `MINIO_MEDIA_NOTIFY_ID` publishing to `herald.media-uploads` (events wait in a queue folder
   * while the broker is away). Buckets opt in with the ARN `mediaNotificationArn`.
   */
  kafkaBrokers?: string;
}

/** Id of the Kafka notification target the stack's MinIO gets when given brokers (the ARN names it as spelled in the variables). */
export const MINIO_MEDIA_NOTIFY_ID = 'MEDIA';
/** The ARN a bucket's notification configuration names to publish to that target. */
export const mediaNotificationArn = `arn:minio:sqs::${MINIO_MEDIA_NOTIFY_ID}:kafka`;

export interface Minio {
  /** e.g. `http://127.0.0.1:41234` (S3 API, path-style addressing) */
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Set when started with Kafka brokers: the ARN of its Kafka notification target. */
  notificationArn: string | undefined;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Builds MinIO into `.cache/bin/minio` once. The Go module and build caches stay
 * in their default locations (~/go/pkg/mod, ~/.cache/go-build), which outlive a
 * fresh clone on the same machine and turn a rebuild into a link step.
 */
export async function ensureMinio(): Promise<MinioInstall> {
  const binDir = cacheDir('bin');
  const binary = join(binDir, 'minio');
  if (existsSync(binary)) return { binary };
  mkdirSync(binDir, { recursive: true });
  const env = { ...process.env, GOBIN: binDir };
  const failures: string[] = [];
  // HERALD_MINIO_VERSION pins a version (any go module query) instead of @latest.
  const first = process.env.HERALD_MINIO_VERSION || 'latest';
  for (const version of [...new Set([first, MINIO_FALLBACK_VERSION])]) {
    const result = await run('go', ['install', `${MINIO_MODULE}@${version}`], { env });
    if (result.code === 0 && existsSync(binary)) return { binary };
    failures.push(`go install ${MINIO_MODULE}@${version} failed${result.code === null ? ' (is Go installed and on PATH?)' : ''}:\n${lastLines(result.output, 15)}`);
  }
  throw new Error(failures.join('\n\n'));
}

async function isLive(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startMinio(options: MinioOptions = {}): Promise<Minio> {
  const { binary } = await ensureMinio();
  const port = options.port ?? (await findFreePort());
  const dataDir = options.dataDir ?? ownedTempDir('herald-minio-');
  mkdirSync(dataDir, { recursive: true });
  if (options.kafkaBrokers) mkdirSync(join(dataDir, 'notify-queue'), { recursive: true });
  const accessKey = options.accessKey ?? 'herald';
  const secretKey = options.secretKey ?? 'herald-secret';
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = options.logFile ?? join(dataDir, 'minio.log');
  const service = new ManagedService({
    name: `MinIO on ${endpoint}`,
    command: binary,
    // The object data lives in a subfolder so the log file never ends up in the bucket namespace.
    args: ['server', join(dataDir, 'data'), '--address', `127.0.0.1:${port}`, '--quiet'],
    env: {
      ...process.env,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      // No web console (one port less to allocate), no update checks (no network),
      // and CI/CD mode relaxes the "data dir is on the root disk" guard.
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CI_CD: 'on',
      MINIO_REGION: 'us-east-1',
      ...(options.kafkaBrokers
        ? {
            [`MINIO_NOTIFY_KAFKA_ENABLE_${MINIO_MEDIA_NOTIFY_ID}`]: 'on',
            [`MINIO_NOTIFY_KAFKA_BROKERS_${MINIO_MEDIA_NOTIFY_ID}`]: options.kafkaBrokers,
            [`MINIO_NOTIFY_KAFKA_TOPIC_${MINIO_MEDIA_NOTIFY_ID}`]: 'herald.media-uploads',
            [`MINIO_NOTIFY_KAFKA_QUEUE_DIR_${MINIO_MEDIA_NOTIFY_ID}`]: join(dataDir, 'notify-queue'),
          }
        : {}),
    },
    logFile,
    probe: () => isLive(endpoint),
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  });
  await service.start();
  return {
    endpoint,
    port,
    accessKey,
    secretKey,
    region: 'us-east-1',
    notificationArn: options.kafkaBrokers ? mediaNotificationArn : undefined,
    dataDir,
    logFile,
    stop: () => service.stop(),
    kill: () => service.kill(),
    start: () => service.start(),
  };
}
