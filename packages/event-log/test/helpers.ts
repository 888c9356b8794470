import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Test } from 'tap';
import { createEventLog, createEventLogClient, startEmbeddedDynamoDb, type EventLog } from '../src/index.js';

// Event fixtures are shared by every workspace's tests.
export { productCreatedAt as productCreated, productDeletedAt as productDeleted } from '@herald/stack';

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
