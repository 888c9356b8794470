import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createEventLog,
  createEventLogClient,
  startEmbeddedDynamoDb,
  type EventLog,
} from '@herald/event-log';
import type * as Minio from 'minio';
import type { Test } from 'tap';
import { createS3Client, ensureBucket, startEmbeddedS3 } from '../src/index.js';
import { eventually } from '@herald/stack';

// Event fixtures are shared by every workspace's tests.
export { productCreatedAt as productCreated, productDeletedAt as productDeleted } from '@herald/stack';

export function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** DynamoDB Local when the real-stack run points at it, dynalite in this process otherwise. */
export async function dynamoEndpoint(t: Test): Promise<string> {
  if (process.env.DYNAMODB_ENDPOINT) return process.env.DYNAMODB_ENDPOINT;
  const dynalite = await startEmbeddedDynamoDb();
  t.teardown(() => dynalite.close());
  return dynalite.endpoint;
}

export function dynamoClient(t: Test, endpoint: string): DynamoDBClient {
  const client = createEventLogClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
  });
  t.teardown(() => client.destroy());
  return client;
}

export interface S3Target {
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

/** MinIO when the real-stack run points at it, s3rver in this process (temp folder) otherwise. */
export async function s3Target(t: Test): Promise<S3Target> {
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY } = process.env;
  if (S3_ENDPOINT && S3_ACCESS_KEY && S3_SECRET_KEY) {
    return { endpoint: S3_ENDPOINT, accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY };
  }
  const s3rver = await startEmbeddedS3({ directory: tempDir(t, 'herald-s3rver-') });
  t.teardown(() => s3rver.close());
  return s3rver;
}

export const uniqueTable = () => `herald-events-${randomUUID()}`;
export const uniqueBucket = () => `herald-test-${randomUUID().slice(0, 13)}`;

export interface Stores {
  eventLog: EventLog;
  client: DynamoDBClient;
  s3: Minio.Client;
  bucket: string;
  dynamoEndpoint: string;
  s3Target: S3Target;
  tableName: string;
}

/** A fresh table and bucket (created), on the stack or embedded servers. */
export async function freshStores(t: Test, options: { retentionSeconds?: number } = {}): Promise<Stores> {
  const endpoint = await dynamoEndpoint(t);
  const client = dynamoClient(t, endpoint);
  const tableName = uniqueTable();
  const eventLog = createEventLog({ client, tableName, retentionSeconds: options.retentionSeconds ?? 3600 });
  await eventLog.ensureTable();
  const target = await s3Target(t);
  const s3 = createS3Client(target);
  const bucket = uniqueBucket();
  await ensureBucket(s3, bucket);
  return { eventLog, client, s3, bucket, dynamoEndpoint: endpoint, s3Target: target, tableName };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}


/**
 * A TCP proxy in front of a server, to play outages: `down()` refuses connections and cuts open
 * ones; `dropResponses()` lets requests through but cuts each connection as the answer comes back
 * (the write happened, the client never hears it).
 */
export interface FaultyProxy {
  endpoint: string;
  down(): Promise<void>;
  dropResponses(): void;
  up(): Promise<void>;
}

export async function faultyProxy(t: Test, target: string): Promise<FaultyProxy> {
  const url = new URL(target);
  const targetPort = Number(url.port);
  const sockets = new Set<Socket>();
  let mode: 'up' | 'drop' = 'up';
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(targetPort, url.hostname);
      sockets.add(client);
      sockets.add(upstream);
      const cut = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', () => sockets.delete(client)).on('error', cut);
      upstream.on('close', () => sockets.delete(upstream)).on('error', cut);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (mode === 'drop') cut();
        else client.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as { port: number }).port;
  };
  const down = async () => {
    if (!server) return;
    const closing = new Promise((resolve) => server!.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closing;
    server = undefined;
  };
  await listen();
  t.teardown(down);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    down,
    dropResponses: () => {
      mode = 'drop';
    },
    up: async () => {
      mode = 'up';
      if (!server) await listen();
    },
  };
}

// Shared with every workspace's tests.
export { eventually };
