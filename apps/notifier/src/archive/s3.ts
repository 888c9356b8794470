import { mkdirSync } from 'node:fs';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as Minio from 'minio';
import { NOTIFIER_ERROR_CODES, NotifierError } from '../errors.js';
import { NETWORK_ERROR_CODES } from '@herald/event-log';
import { createS3Front, type StorageNotificationOptions } from './s3-front.js';

export interface S3ClientOptions {
  /** e.g. `http://127.0.0.1:9000` (path-style addressing). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  /** Socket silence after which a request gives up (default 10 s; uploads of large parts want more). */
  idleTimeoutMs?: number;
}

/** A MinIO/S3 client (path-style, fixed region, kept-alive sockets), for the archive and the media buckets. */
export function createS3Client(options: S3ClientOptions): Minio.Client {
  const url = new URL(options.endpoint);
  const useSSL = url.protocol === 'https:';
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    // A fixed region spares a GetBucketLocation round trip before each first request.
    region: options.region ?? 'us-east-1',
    pathStyle: true,
    ...(useSSL ? {} : { transportAgent: new Agent({ keepAlive: true, timeout: options.idleTimeoutMs ?? 10_000 }) }),
  });
}

const TRANSIENT_S3_CODES = new Set(['InternalError', 'SlowDown', 'ServiceUnavailable', 'RequestTimeout', 'XMinioServerNotInitialized']);

/** Object storage unreachable, overloaded or failing on its side (as opposed to a refused request). */
export function isTransientS3Error(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const e = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && (NETWORK_ERROR_CODES.has(e.code) || TRANSIENT_S3_CODES.has(e.code))) return true;
    if (e.name === 'TimeoutError') return true;
    current = e.cause;
  }
  return false;
}

/** `http://host:port` of a client (its fields are protected in minio's typings). */
function describeEndpoint(s3: Minio.Client): string {
  const { protocol, host, port } = s3 as unknown as { protocol?: string; host?: string; port?: number };
  return host ? `${protocol ?? 'http:'}//${host}${port ? `:${port}` : ''}` : 'the configured S3 endpoint';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the bucket when missing. While object storage is unreachable, retries a bounded number
 * of times, then fails with an error naming the endpoint.
 */
export async function ensureBucket(
  s3: Minio.Client,
  bucket: string,
  options: {
    attempts?: number;
    initialDelayMs?: number;
    region?: string;
    endpointLabel?: string;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  } = {},
): Promise<{ created: boolean }> {
  const attempts = Math.max(1, options.attempts ?? 5);
  let delay = options.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      if (await s3.bucketExists(bucket)) return { created: false };
      try {
        await s3.makeBucket(bucket, options.region ?? 'us-east-1');
        return { created: true };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return { created: false };
        throw error;
      }
    } catch (error) {
      if (!isTransientS3Error(error)) throw error;
      if (attempt >= attempts) {
        const label = options.endpointLabel ?? describeEndpoint(s3);
        throw new NotifierError(
          NOTIFIER_ERROR_CODES.archiveUnavailable,
          `object storage at ${label} is unreachable: bucket ${bucket} could not be checked after ${attempts} ` +
            `attempt${attempts === 1 ? '' : 's'} (last error: ${(error as Error).message || String(error)})`,
          { cause: error },
        );
      }
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

export interface EmbeddedS3 {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  close(): Promise<void>;
}

interface S3rverInstance {
  store: unknown;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  configureBuckets(): Promise<void>;
  logger: { exceptions: { unhandle(): void }; close(): void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * s3rver (S3's API on a folder) in this process: the archive's store for tests and for the
 * embedded default, and the media bucket's. It accepts only its own fixed credentials, returned
 * here. In front of it, what direct uploads need and s3rver lacks (see createS3Front): POST policy
 * uploads with their conditions enforced, listing and aborting multipart uploads, CORS, and
 * storage notifications of created objects, sent to `notifications` when given.
 */
export async function startEmbeddedS3(options: {
  directory: string;
  port?: number;
  host?: string;
  notifications?: StorageNotificationOptions;
  onNotifyError?: (error: unknown) => void;
}): Promise<EmbeddedS3> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverConstructor;
  mkdirSync(options.directory, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    vhostBuckets: false,
  });
  await server.configureBuckets();
  const httpServer = createServer();
  httpServer.on(
    'request',
    createS3Front({
      s3rverHandler: server.callback(),
      store: server.store as Parameters<typeof createS3Front>[0]['store'],
      // Beside the buckets, under a name no bucket can have.
      tempDirectory: join(options.directory, '_incoming'),
      ...(options.notifications ? { notifications: options.notifications } : {}),
      ...(options.onNotifyError ? { onNotifyError: options.onNotifyError } : {}),
      host,
      port: () => (httpServer.address() as AddressInfo).port,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        httpServer.close(() => {
          server.logger.exceptions.unhandle();
          server.logger.close();
          resolve();
        });
        httpServer.closeAllConnections();
      })),
  };
}
