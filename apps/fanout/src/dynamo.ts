import {
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { FANOUT_ERROR_CODES, FanoutError } from './errors.js';

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_ATTEMPTS = 8;
const UNPROCESSED_BACKOFF_MS = 50;
const UNPROCESSED_BACKOFF_MAX_MS = 2_000;

export type Item = Record<string, AttributeValue>;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export const s = (value: string): AttributeValue => ({ S: value });

/**
 * Writes `requests` to `table` in BatchWriteItem calls of 25, `concurrency` calls in flight, and
 * sends again what DynamoDB leaves unprocessed (throttling) with backoff. Gives up with a
 * FanoutError (transient: the event is tried again; every write is idempotent) when some items
 * stay unprocessed.
 */
export async function batchWrite(
  client: DynamoDBClient,
  table: string,
  requests: WriteRequest[],
  options: { concurrency: number; signal?: AbortSignal },
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) chunks.push(requests.slice(i, i + BATCH_WRITE_LIMIT));
  await forEachConcurrently(chunks, options.concurrency, (chunk) => writeChunk(client, table, chunk, options.signal), options.signal);
}

/** Calls `work` on every item, at most `concurrency` calls in flight; rejects with the first failure. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      await work(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function writeChunk(client: DynamoDBClient, table: string, chunk: WriteRequest[], signal?: AbortSignal): Promise<void> {
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }), { abortSignal: signal });
    pending = UnprocessedItems?.[table] ?? [];
    if (pending.length === 0) return;
    if (attempt >= UNPROCESSED_ATTEMPTS) {
      throw new FanoutError(FANOUT_ERROR_CODES.unprocessed, `${pending.length} writes to ${table} stayed unprocessed after ${attempt} tries`);
    }
    const backoff = Math.min(UNPROCESSED_BACKOFF_MAX_MS, UNPROCESSED_BACKOFF_MS * 2 ** (attempt - 1));
    await sleep(backoff / 2 + Math.random() * (backoff / 2), signal);
  }
}

/** Every page of a Query, page by page (each at most `Limit` items when given). */
export async function* queryPages(client: DynamoDBClient, input: QueryCommandInput, signal?: AbortSignal): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }), { abortSignal: signal });
    start = page.LastEvaluatedKey;
    if (page.Items && page.Items.length > 0) yield page.Items;
  } while (start);
}

/** FNV-1a of a string: picks, the same way on every replica, which writes also trim. */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
