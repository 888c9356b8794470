import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { HeraldEvent } from '@herald/event-schemas';
import { EVENT_LOG_ERROR_CODES, EventLogError } from './errors.js';
import { ATTR, HOUR_MS, INDEX, floorHour, fromItem, hourBucket, hourBuckets, padMs, toItem, type LoggedEvent } from './keys.js';
import { ensureTable } from './table.js';
import type { EventLog, EventLogOptions, LogEntry, RequestOptions } from './types.js';

const DEFAULT_TTL_GRACE_SECONDS = 7 * 24 * 3600;
const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;
const DEFAULT_APPEND_CONCURRENCY = 4;
/** Requests per batch (of puts, gets or deletes) before the items DynamoDB keeps leaving unprocessed fail it. */
const BATCH_ROUNDS = 8;
const LEASE_PREFIX = 'lease#';

type Item = Record<string, AttributeValue>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Up to `concurrency` of `tasks` at a time; once one fails no more are started, and the first failure is rethrown after the running ones settle. */
async function runBounded(tasks: ReadonlyArray<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), tasks.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * Sends `requests` with `send`, then what DynamoDB left unprocessed, again and again with backoff
 * (with jitter: requests sent in parallel were throttled together) until nothing is left; after
 * BATCH_ROUNDS tries, `giveUp(left)` is thrown.
 */
async function untilProcessed<R>(
  requests: R[],
  send: (pending: R[]) => Promise<R[]>,
  giveUp: (left: number) => Error,
  signal?: AbortSignal,
): Promise<void> {
  let pending = requests;
  let delay = 50;
  for (let round = 0; pending.length > 0; round++) {
    if (round === BATCH_ROUNDS) throw giveUp(pending.length);
    if (round > 0) {
      await sleep(delay / 2 + Math.random() * (delay / 2));
      delay = Math.min(delay * 2, 2_000);
    }
    signal?.throwIfAborted();
    pending = await send(pending);
  }
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string }).name === 'ConditionalCheckFailedException'
  );
}

function isEventItem(item: Item | undefined): boolean {
  return item?.[ATTR.eventJson]?.S !== undefined;
}

export function createEventLog(options: EventLogOptions): EventLog {
  const { client, tableName, retentionSeconds } = options;
  if (!Number.isFinite(retentionSeconds) || retentionSeconds <= 0) {
    throw new RangeError(`retentionSeconds must be a positive number (got ${retentionSeconds})`);
  }
  const ttlSeconds = Math.ceil(retentionSeconds + (options.ttlGraceSeconds ?? DEFAULT_TTL_GRACE_SECONDS));

  const endpointLabel = async (): Promise<string> => {
    if (options.endpointLabel) return options.endpointLabel;
    try {
      const endpoint = await client.config.endpoint?.();
      if (endpoint) return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
    } catch {
      // fall through to the region
    }
    return `the AWS endpoint of region ${await client.config.region()}`;
  };

  /** The items of `ids` from the table (consistent reads), by id; ids no longer there are absent. */
  async function batchGet(ids: string[], signal: AbortSignal | undefined): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const keys: Item[] = ids.map((id) => ({ [ATTR.id]: { S: id } }));
    await untilProcessed(
      keys,
      async (pending) => {
        const result = await client.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
          { abortSignal: signal },
        );
        for (const item of result.Responses?.[tableName] ?? []) {
          if (isEventItem(item)) found.set(item[ATTR.id]!.S!, item);
        }
        return result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      },
      (left) => new EventLogError(EVENT_LOG_ERROR_CODES.unavailable, `${left} of ${ids.length} reads from ${tableName} stayed unprocessed after ${BATCH_ROUNDS} tries (throttled)`),
      signal,
    );
    return found;
  }

  /**
   * Index items as whole items, in their order. A keys-only index item is completed from the
   * table; one whose event was removed in the meantime (archived) is dropped.
   */
  async function withBodies(indexItems: Item[], signal: AbortSignal | undefined): Promise<Item[]> {
    const missing = indexItems.filter((item) => !isEventItem(item)).map((item) => item[ATTR.id]!.S!);
    if (missing.length === 0) return indexItems;
    const bodies = await batchGet(missing, signal);
    return indexItems.flatMap((item) => {
      if (isEventItem(item)) return [item];
      const body = bodies.get(item[ATTR.id]!.S!);
      return body ? [body] : [];
    });
  }

  /**
   * Runs an index query to exhaustion, page by page, each page's bodies fetched 100 at a time as
   * the caller reads on (a caller that stops early fetches no more).
   */
  async function* query(input: Omit<QueryCommandInput, 'TableName'>, signal?: AbortSignal): AsyncGenerator<Item> {
    let startKey: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: startKey }),
        { abortSignal: signal },
      );
      const items = page.Items ?? [];
      for (let i = 0; i < items.length; i += BATCH_GET_MAX) {
        yield* await withBodies(items.slice(i, i + BATCH_GET_MAX), signal);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async function take(items: AsyncIterable<Item>, limit = Number.POSITIVE_INFINITY): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    if (limit <= 0) return out;
    for await (const item of items) {
      out.push(fromItem(item));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Key condition on `time_sk` for [from, to): keys are `<iso>#<id>`, so `BETWEEN fromIso AND toIso` is half-open. */
  function timeCondition(from: Date | undefined, to: Date | undefined) {
    const values: Item = {};
    let condition = '';
    if (from && to) {
      condition = ' AND #sk BETWEEN :from AND :to';
      values[':from'] = { S: from.toISOString() };
      values[':to'] = { S: to.toISOString() };
    } else if (from) {
      condition = ' AND #sk >= :from';
      values[':from'] = { S: from.toISOString() };
    } else if (to) {
      condition = ' AND #sk < :to';
      values[':to'] = { S: to.toISOString() };
    }
    return { condition, values };
  }

  function typeQuery(type: string, from: Date | undefined, to: Date | undefined, signal?: AbortSignal): AsyncGenerator<Item> {
    const { condition, values } = timeCondition(from, to);
    return query(
      {
        IndexName: INDEX.byType,
        KeyConditionExpression: `#pk = :type${condition}`,
        ExpressionAttributeNames: { '#pk': ATTR.eventType, ...(condition ? { '#sk': ATTR.timeSk } : {}) },
        ExpressionAttributeValues: { ':type': { S: type }, ...values },
      },
      signal,
    );
  }

  async function* rangeItems(from: Date, to: Date, type: string | undefined, signal?: AbortSignal): AsyncGenerator<Item> {
    if (to.getTime() <= from.getTime()) return;
    if (type !== undefined) {
      yield* typeQuery(type, from, to, signal);
      return;
    }
    for (let hour = floorHour(from.getTime()); hour < to.getTime(); hour += HOUR_MS) {
      const { condition, values } = timeCondition(
        new Date(Math.max(hour, from.getTime())),
        new Date(Math.min(hour + HOUR_MS, to.getTime())),
      );
      yield* query(
        {
          IndexName: INDEX.byTime,
          KeyConditionExpression: `#pk = :bucket${condition}`,
          ExpressionAttributeNames: { '#pk': ATTR.timeBucket, '#sk': ATTR.timeSk },
          ExpressionAttributeValues: { ':bucket': { S: hourBucket(hour) }, ...values },
        },
        signal,
      );
    }
  }

  async function getItem(id: string, signal?: AbortSignal): Promise<Item | undefined> {
    const { Item: item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { [ATTR.id]: { S: id } }, ConsistentRead: true }),
      { abortSignal: signal },
    );
    return item && isEventItem(item) ? item : undefined;
  }

  async function batchDelete(ids: string[]): Promise<void> {
    await untilProcessed(
      ids.map((id): WriteRequest => ({ DeleteRequest: { Key: { [ATTR.id]: { S: id } } } })),
      async (pending) => (await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }))).UnprocessedItems?.[tableName] ?? [],
      (left) => new EventLogError(EVENT_LOG_ERROR_CODES.incompleteRemove, `${left} of ${ids.length} deletes from ${tableName} stayed unprocessed (throttled)`),
    );
  }

  /**
   * One BatchWriteItem of up to 25 puts, then its unprocessed items again with backoff (with
   * jitter: the batches written in parallel were throttled together) until none is left.
   */
  async function batchPut(items: Item[], signal: AbortSignal | undefined): Promise<void> {
    await untilProcessed(
      items.map((item): WriteRequest => ({ PutRequest: { Item: item } })),
      async (pending) =>
        (await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }), { abortSignal: signal })).UnprocessedItems?.[tableName] ?? [],
      (left) => new EventLogError(EVENT_LOG_ERROR_CODES.unavailable, `${left} of ${items.length} writes to ${tableName} stayed unprocessed after ${BATCH_ROUNDS} tries (throttled)`),
      signal,
    );
  }

  return {
    tableName,
    retentionSeconds,

    ensureTable: (ensureOptions) => ensureTable(client, tableName, endpointLabel, ensureOptions),

    async append(event: HeraldEvent, loggedAt = new Date(), requestOptions: RequestOptions = {}) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: toItem(event, loggedAt, ttlSeconds),
            ConditionExpression: 'attribute_not_exists(#id)',
            ExpressionAttributeNames: { '#id': ATTR.id },
          }),
          { abortSignal: requestOptions.signal },
        );
        return 'written';
      } catch (error) {
        // Also the outcome when an earlier try was stored but its response was lost.
        if (isConditionFailure(error)) return 'duplicate';
        throw error;
      }
    },

    async appendBatch(entries: ReadonlyArray<LogEntry>, batchOptions = {}) {
      // One request may not name a key twice; the first entry of an event is its item.
      const items = new Map<string, Item>();
      for (const { event, loggedAt } of entries) {
        if (!items.has(event.id)) items.set(event.id, toItem(event, loggedAt, ttlSeconds));
      }
      const all = [...items.values()];
      const requests: Array<() => Promise<void>> = [];
      for (let i = 0; i < all.length; i += BATCH_WRITE_MAX) {
        const chunk = all.slice(i, i + BATCH_WRITE_MAX);
        requests.push(() => batchPut(chunk, batchOptions.signal));
      }
      await runBounded(requests, batchOptions.concurrency ?? DEFAULT_APPEND_CONCURRENCY);
    },

    async get(id, requestOptions = {}) {
      const item = await getItem(id, requestOptions.signal);
      return item ? fromItem(item) : undefined;
    },

    async after(id, afterOptions = {}) {
      const start = await getItem(id, afterOptions.signal);
      if (!start) return undefined;
      const limit = afterOptions.limit ?? 1000;
      const startMs = Number(start[ATTR.loggedAt]!.N);
      // One hour past "now" tolerates notifier instances whose clocks run slightly ahead.
      const endMs = (afterOptions.now ?? new Date()).getTime() + HOUR_MS;
      const sk = start[ATTR.logSk]!;
      const signal = afterOptions.signal;
      async function* items(): AsyncGenerator<Item> {
        for (const bucket of hourBuckets(startMs, endMs)) {
          yield* query(
            {
              IndexName: INDEX.byLog,
              KeyConditionExpression: '#pk = :bucket AND #sk > :sk',
              ExpressionAttributeNames: { '#pk': ATTR.logBucket, '#sk': ATTR.logSk },
              ExpressionAttributeValues: { ':bucket': { S: bucket }, ':sk': sk },
            },
            signal,
          );
        }
      }
      return take(items(), limit);
    },

    async byType(type, typeOptions = {}) {
      return take(typeQuery(type, typeOptions.from, typeOptions.to, typeOptions.signal), typeOptions.limit);
    },

    async *range({ from, to, type, signal }) {
      for await (const item of rangeItems(from, to, type, signal)) yield fromItem(item);
    },

    async *olderThan(cutoff, olderOptions = {}) {
      const pageSize = olderOptions.pageSize ?? 500;
      const cutoffMs = cutoff.getTime();
      if (olderOptions.since) {
        for (const bucket of hourBuckets(olderOptions.since.getTime(), cutoffMs)) {
          let page: LoggedEvent[] = [];
          for await (const item of query({
            IndexName: INDEX.byLog,
            KeyConditionExpression: '#pk = :bucket AND #sk < :cutoff',
            ExpressionAttributeNames: { '#pk': ATTR.logBucket, '#sk': ATTR.logSk },
            ExpressionAttributeValues: { ':bucket': { S: bucket }, ':cutoff': { S: padMs(cutoffMs) } },
            Limit: pageSize,
          })) {
            page.push(fromItem(item));
            if (page.length >= pageSize) {
              yield page;
              page = [];
            }
          }
          if (page.length > 0) yield page;
        }
        return;
      }
      let startKey: Item | undefined;
      do {
        const result = await client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: '#logged < :cutoff AND attribute_exists(#json)',
            ExpressionAttributeNames: { '#logged': ATTR.loggedAt, '#json': ATTR.eventJson },
            ExpressionAttributeValues: { ':cutoff': { N: String(cutoffMs) } },
            Limit: pageSize,
            ExclusiveStartKey: startKey,
          }),
        );
        const page = (result.Items ?? []).map(fromItem);
        if (page.length > 0) yield page;
        startKey = result.LastEvaluatedKey;
      } while (startKey);
    },

    async remove(ids) {
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += BATCH_WRITE_MAX) {
        await batchDelete(unique.slice(i, i + BATCH_WRITE_MAX));
      }
    },

    async acquireLease(name, holder, ttlMs) {
      const now = Date.now();
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [ATTR.id]: { S: `${LEASE_PREFIX}${name}` },
              holder: { S: holder },
              lease_until: { N: String(now + ttlMs) },
              [ATTR.expiresAt]: { N: String(Math.ceil((now + ttlMs) / 1000) + 3600) },
            },
            ConditionExpression: 'attribute_not_exists(#id) OR #holder = :holder OR #until < :now',
            ExpressionAttributeNames: { '#id': ATTR.id, '#holder': 'holder', '#until': 'lease_until' },
            ExpressionAttributeValues: { ':holder': { S: holder }, ':now': { N: String(now) } },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async releaseLease(name, holder) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { [ATTR.id]: { S: `${LEASE_PREFIX}${name}` } },
            ConditionExpression: '#holder = :holder',
            ExpressionAttributeNames: { '#holder': 'holder' },
            ExpressionAttributeValues: { ':holder': { S: holder } },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}
