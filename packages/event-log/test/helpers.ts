import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import type { Test } from 'tap';
import { createEventLog, createEventLogClient, startEmbeddedDynamoDb, type EventLog } from '../src/index.js';

/** UUIDv7 for `ms`: time-ordered like the ids the API gives events. */
export function uuidv7(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function productCreated(time: Date, id = uuidv7(time.getTime())): HeraldEvent {
  const productId = randomUUID();
  const at = time.toISOString();
  return createEvent({
    type: 'ProductCreated',
    id,
    time,
    subject: productId,
    source: '/herald/test',
    data: {
      product: {
        id: productId,
        sku: `S-${productId.slice(0, 8)}`,
        name: 'Lamp',
        description: '',
        price: { amount: 1999, currency: 'EUR' },
        stock: 5,
        low_stock_threshold: 1,
        created_at: at,
        updated_at: at,
        version: 1,
      },
    },
  });
}

export function productDeleted(time: Date, id = uuidv7(time.getTime())): HeraldEvent {
  const productId = randomUUID();
  return createEvent({
    type: 'ProductDeleted',
    id,
    time,
    subject: productId,
    source: '/herald/test',
    data: { product_id: productId, sku: `S-${productId.slice(0, 8)}`, version: 2, deleted_at: time.toISOString() },
  });
}

/** DynamoDB Local when the real-stack run points at it, dynalite in this process otherwise. */
export async function dynamoClient(t: Test): Promise<{ client: DynamoDBClient; endpoint: string; real: boolean }> {
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  const real = Boolean(endpoint);
  if (!endpoint) {
    const dynalite = await startEmbeddedDynamoDb();
    t.teardown(() => dynalite.close());
    endpoint = dynalite.endpoint;
  }
  const client = createEventLogClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
  });
  t.teardown(() => client.destroy());
  return { client, endpoint, real };
}

/** A fresh table per test, ensured. */
export async function freshEventLog(
  t: Test,
  options: { retentionSeconds?: number } = {},
): Promise<{ eventLog: EventLog; client: DynamoDBClient; endpoint: string; real: boolean }> {
  const { client, endpoint, real } = await dynamoClient(t);
  const eventLog = createEventLog({
    client,
    tableName: `herald-events-${randomUUID()}`,
    retentionSeconds: options.retentionSeconds ?? 3600,
  });
  await eventLog.ensureTable();
  return { eventLog, client, endpoint, real };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
