import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createEventLog,
  createEventLogClient,
  startEmbeddedDynamoDb,
  type EmbeddedDynamoDb,
  type EventLog,
} from '@herald/event-log';
import type { TransportLogger } from '@herald/event-transport';
import type * as Minio from 'minio';
import { createS3Client, startEmbeddedS3, type EmbeddedS3 } from './archive/s3.js';
import type { StorageNotificationOptions } from './archive/s3-front.js';
import type { NotifierConfig } from './config.js';
import { readEmbeddedEndpoints, recordEmbeddedEndpoints } from './embedded-endpoints.js';
import { createNotificationStore, type NotificationStore } from './notifications/notification-store.js';

export interface NotifierStores {
  eventLog: EventLog;
  /** People's notifications, in a table of their own next to the event log. */
  notifications: NotificationStore;
  dynamodb: DynamoDBClient;
  s3: Minio.Client;
  bucket: string;
  /** Where each store is, for logs and messages. */
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** Which of the two run embedded in this process. */
  embedded: { dynamodb: boolean; s3: boolean };
  /** Closes the clients and stops embedded servers started here. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  /**
   * `serve` (default; the API or the notifier process): embedded servers are started on their
   * configured ports, and recorded under DATA_DIR, so that other processes (the replay command)
   * can reach them.
   * `client` (the replay command): the embedded servers of a running process on the same DATA_DIR
   * are used when there are some (as recorded, else on the configured ports); otherwise the data
   * folder is opened directly on a free port, for this process only.
   */
  mode?: 'serve' | 'client';
  log?: TransportLogger;
  /**
   * Where the embedded S3 (when this call starts it) sends the storage notifications of objects
   * created under the prefix: the broker's `herald.media-uploads`, as MinIO does in the real stack.
   */
  storageNotifications?: StorageNotificationOptions;
}

const DEFAULT_ENDPOINT_TIMEOUT_MS = 1_000;

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(DEFAULT_ENDPOINT_TIMEOUT_MS) });
    return true;
  } catch {
    return false;
  }
}

/** The first of `candidates` (running servers' endpoints) that answers. */
async function firstAnswering(candidates: Array<string | undefined>): Promise<string | undefined> {
  for (const url of candidates) if (url && (await answers(url))) return url;
  return undefined;
}

const localPort = (port: number) => (port === 0 ? undefined : `http://127.0.0.1:${port}`);

/**
 * The event log and the archive client as the configuration says: DynamoDB / S3 at their
 * endpoints, or, when an endpoint is not set, dynalite / s3rver embedded in this process with
 * their data under DATA_DIR. Does not create the table or the bucket (startNotifier does).
 */
export async function openNotifierStores(config: NotifierConfig, options: OpenStoresOptions = {}): Promise<NotifierStores> {
  const mode = options.mode ?? 'serve';
  const closers: Array<() => Promise<void>> = [];
  try {
    const running = mode === 'client' ? await readEmbeddedEndpoints(config.dataDir) : undefined;
    let dynamodbEndpoint = config.dynamodb.endpoint;
    let embeddedDynamo: EmbeddedDynamoDb | undefined;
    if (!dynamodbEndpoint) {
      const local = mode === 'client' ? await firstAnswering([running?.dynamodb, localPort(config.dynamodb.embeddedPort)]) : undefined;
      if (local) {
        dynamodbEndpoint = local;
      } else {
        embeddedDynamo = await startEmbeddedDynamoDb({
          path: join(config.dataDir, 'event-log'),
          port: mode === 'client' ? 0 : config.dynamodb.embeddedPort,
        });
        closers.push(() => embeddedDynamo!.close());
        dynamodbEndpoint = embeddedDynamo.endpoint;
      }
    }
    const dynamodb = createEventLogClient({
      endpoint: dynamodbEndpoint,
      region: config.dynamodb.region,
      credentials: config.dynamodb.credentials ?? (config.dynamodb.endpoint ? undefined : { accessKeyId: 'herald', secretAccessKey: 'herald-secret' }),
    });
    closers.push(async () => dynamodb.destroy());
    const eventLog = createEventLog({
      client: dynamodb,
      tableName: config.eventLog.table,
      retentionSeconds: config.eventLog.retentionSeconds,
      ttlGraceSeconds: config.eventLog.ttlGraceSeconds,
      endpointLabel: dynamodbEndpoint,
    });

    let s3Endpoint = config.s3.endpoint;
    let accessKey = config.s3.accessKey;
    let secretKey = config.s3.secretKey;
    let embeddedS3: EmbeddedS3 | undefined;
    if (!s3Endpoint) {
      const local = mode === 'client' ? await firstAnswering([running?.s3, localPort(config.s3.embeddedPort)]) : undefined;
      if (local) {
        s3Endpoint = local;
        accessKey = 'S3RVER';
        secretKey = 'S3RVER';
      } else {
        embeddedS3 = await startEmbeddedS3({
          directory: join(config.dataDir, 'archive'),
          port: mode === 'client' ? 0 : config.s3.embeddedPort,
          ...(options.storageNotifications ? { notifications: options.storageNotifications } : {}),
          onNotifyError: (error) => options.log?.warn({ err: error }, 'storage notification not sent'),
        });
        closers.push(() => embeddedS3!.close());
        ({ endpoint: s3Endpoint, accessKey, secretKey } = embeddedS3);
      }
    }
    const s3 = createS3Client({ endpoint: s3Endpoint, accessKey: accessKey!, secretKey: secretKey!, region: config.s3.region });
    if (mode === 'serve' && (embeddedDynamo || embeddedS3)) {
      closers.push(await recordEmbeddedEndpoints(config.dataDir, { dynamodb: embeddedDynamo?.endpoint, s3: embeddedS3?.endpoint }));
    }

    options.log?.info(
      {
        dynamodb: dynamodbEndpoint,
        table: config.eventLog.table,
        s3: s3Endpoint,
        bucket: config.archive.bucket,
        embedded: { dynamodb: !config.dynamodb.endpoint, s3: !config.s3.endpoint },
      },
      'notifier stores',
    );
    return {
      eventLog,
      notifications: createNotificationStore({ client: dynamodb, tableName: config.notifications.table }),
      dynamodb,
      s3,
      bucket: config.archive.bucket,
      dynamodbEndpoint,
      s3Endpoint,
      embedded: { dynamodb: Boolean(embeddedDynamo), s3: Boolean(embeddedS3) },
      close: async () => {
        for (const close of closers.splice(0).reverse()) await close().catch(() => {});
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw error;
  }
}
