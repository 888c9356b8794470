import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { EVENT_LOG_ERROR_CODES, EventLogError, isTransientEventLogError } from './errors.js';
import { ATTR, INDEX } from './keys.js';
import type { EnsureTableOptions, EnsureTableResult } from './types.js';

export const ATTRIBUTE_DEFINITIONS: AttributeDefinition[] = [
  { AttributeName: ATTR.id, AttributeType: 'S' },
  { AttributeName: ATTR.logBucket, AttributeType: 'S' },
  { AttributeName: ATTR.logSk, AttributeType: 'S' },
  { AttributeName: ATTR.eventType, AttributeType: 'S' },
  { AttributeName: ATTR.timeBucket, AttributeType: 'S' },
  { AttributeName: ATTR.timeSk, AttributeType: 'S' },
];

/**
 * The indexes carry keys only: the event body is stored once, in the table. With the whole item
 * projected, every append wrote the body four times (the embedded DynamoDB spent about 290 µs of
 * CPU per event against 200 µs keys-only, `npm run bench:event-log`; on DynamoDB an index write
 * is billed by its size). The reads that use an index (resume, replay, archive) fetch the bodies
 * by key, 100 per request. Tables made before keep their fully projected indexes; reads take the
 * body from the index item when it is there.
 */
function gsi(name: string, pk: string, sk: string): GlobalSecondaryIndex {
  return {
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  };
}

export const INDEXES: GlobalSecondaryIndex[] = [
  gsi(INDEX.byLog, ATTR.logBucket, ATTR.logSk),
  gsi(INDEX.byType, ATTR.eventType, ATTR.timeSk),
  gsi(INDEX.byTime, ATTR.timeBucket, ATTR.timeSk),
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function isActive(table: TableDescription | undefined): boolean {
  return (
    table?.TableStatus === 'ACTIVE' &&
    (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === undefined || index.IndexStatus === 'ACTIVE')
  );
}

async function waitActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, tableName);
    if (table && isActive(table)) return table;
    const status: string = table?.TableStatus ?? 'missing';
    if (Date.now() > deadline) {
      throw new EventLogError(
        EVENT_LOG_ERROR_CODES.badTable,
        `table ${tableName} did not become ACTIVE within ${timeoutMs} ms (status ${status})`,
      );
    }
    await sleep(100);
  }
}

async function ensureTtl(client: DynamoDBClient, tableName: string): Promise<EnsureTableResult['ttl']> {
  try {
    const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    if (
      (ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING') &&
      ttl.AttributeName === ATTR.expiresAt
    ) {
      return 'enabled';
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ATTR.expiresAt, Enabled: true },
      }),
    );
    return 'enabled';
  } catch (error) {
    // dynalite has no UpdateTimeToLive; expiry is a backstop only, so carry on without it.
    if (isTransientEventLogError(error)) throw error;
    return 'unsupported';
  }
}

async function ensureOnce(client: DynamoDBClient, tableName: string, activeTimeoutMs: number): Promise<EnsureTableResult> {
  let created = false;
  if (!(await describe(client, tableName))) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
          KeySchema: [{ AttributeName: ATTR.id, KeyType: 'HASH' }],
          GlobalSecondaryIndexes: INDEXES,
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      created = true;
    } catch (error) {
      // Another process created it first.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
  }
  let table = await waitActive(client, tableName, activeTimeoutMs);
  const hashKey = table.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
  if (hashKey !== ATTR.id || table.KeySchema?.length !== 1) {
    throw new EventLogError(
      EVENT_LOG_ERROR_CODES.badTable,
      `table ${tableName} exists but is keyed on ${JSON.stringify(table.KeySchema)}, not on "${ATTR.id}" alone`,
    );
  }
  const indexesAdded: string[] = [];
  for (const index of INDEXES) {
    if (table.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.IndexName)) continue;
    // DynamoDB creates one index per UpdateTable call.
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    indexesAdded.push(index.IndexName!);
    table = await waitActive(client, tableName, activeTimeoutMs);
  }
  return { created, indexesAdded, ttl: await ensureTtl(client, tableName) };
}

/** Bounded retries while DynamoDB is unreachable, then an error naming the endpoint. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  endpointLabel: () => Promise<string>,
  options: EnsureTableOptions = {},
): Promise<EnsureTableResult> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  let delay = options.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureOnce(client, tableName, options.activeTimeoutMs ?? 60_000);
    } catch (error) {
      if (!isTransientEventLogError(error)) throw error;
      if (attempt >= attempts) {
        const reason = error instanceof Error ? error.message || error.name : String(error);
        throw new EventLogError(
          EVENT_LOG_ERROR_CODES.unavailable,
          `DynamoDB at ${await endpointLabel()} is unreachable: table ${tableName} could not be checked ` +
            `after ${attempts} attempt${attempts === 1 ? '' : 's'} (last error: ${reason})`,
          { cause: error },
        );
      }
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
