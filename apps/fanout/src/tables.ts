import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { FeedSettings } from './config.js';
import { FANOUT_ERROR_CODES, FanoutError } from './errors.js';
import { KEY } from './keys.js';

const ACTIVE_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  let created = false;
  if (!(await describe(client, tableName))) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: KEY.pk, AttributeType: 'S' },
            { AttributeName: KEY.sk, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: KEY.pk, KeyType: 'HASH' },
            { AttributeName: KEY.sk, KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      created = true;
    } catch (error) {
      // Another replica created it first.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
  }
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const table = await describe(client, tableName);
    if (table?.TableStatus === 'ACTIVE') {
      const keys = table.KeySchema ?? [];
      const hash = keys.find((key) => key.KeyType === 'HASH')?.AttributeName;
      const range = keys.find((key) => key.KeyType === 'RANGE')?.AttributeName;
      if (hash !== KEY.pk || range !== KEY.sk) {
        throw new FanoutError(FANOUT_ERROR_CODES.badTable, `table ${tableName} exists but is keyed on ${JSON.stringify(keys)}, not on ${KEY.pk}/${KEY.sk}`);
      }
      return created;
    }
    if (Date.now() > deadline) {
      throw new FanoutError(FANOUT_ERROR_CODES.badTable, `table ${tableName} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS} ms`);
    }
    await sleep(100);
  }
}

/** Creates the follow graph, feeds and author posts tables when they do not exist (at start, like the event log's). */
export async function ensureFanoutTables(client: DynamoDBClient, settings: FeedSettings): Promise<{ created: string[] }> {
  const created: string[] = [];
  for (const table of Object.values(settings.tables)) {
    if (await ensureTable(client, table)) created.push(table);
  }
  return { created };
}
