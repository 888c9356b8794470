import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { PostRef } from './author-posts.js';
import { batchWrite, forEachConcurrently, hashOf, queryPages, s } from './dynamo.js';
import type { FeedCache } from './feed-cache.js';
import { feedKey, KEY } from './keys.js';

/** One post to put into (or take out of) one user's feed. */
export interface FeedEntry extends PostRef {
  userId: string;
}

/**
 * Every operation on the feeds (`feed#<userId>` / `<timestamp>#<postId>`, one item per entry
 * naming the post and its author): push, unpush, remove an author's entries, trim. Keys are
 * deterministic, so writing an entry twice leaves one item.
 */
export interface FeedStore {
  /** Puts every entry, BatchWriteItem in parallel; trims about one feed in `trimEvery` it wrote to. */
  push(entries: FeedEntry[], signal?: AbortSignal): Promise<void>;
  unpush(entries: FeedEntry[], signal?: AbortSignal): Promise<void>;
  /** Removes every entry of `authorId` from `userId`'s feed (an unfollow). */
  removeAuthor(userId: string, authorId: string, signal?: AbortSignal): Promise<void>;
  /** Keeps the newest `maxEntries` of the feed, deletes the rest. */
  trim(userId: string, signal?: AbortSignal): Promise<void>;
}

export interface FeedStoreOptions {
  maxEntries: number;
  trimEvery: number;
  concurrency: number;
  /** The Redis in front of the table (REDIS_URL), written first for additions, after it for removals. */
  cache?: FeedCache | undefined;
}

/**
 * What follows a table write when there is a cache: `then` (the rest of the cache's part), or, when
 * the cache missed the write or `then` fails, forgetting the users' sets; when even that fails, the
 * whole cache is marked stale (invalidated as soon as Redis answers). The table write is done by
 * then, so a set rebuilt afterwards holds it.
 */
async function settleCache(cache: FeedCache, userIds: () => string[], reached: boolean, then?: () => Promise<void>): Promise<void> {
  if (reached && then) {
    try {
      await then();
      return;
    } catch {
      // forgotten below
    }
  }
  try {
    await cache.forget(userIds());
  } catch {
    cache.markStale();
  }
}

const keyOf = (userId: string, position: string) => ({ [KEY.pk]: s(feedKey(userId)), [KEY.sk]: s(position) });

export function createFeedStore(client: DynamoDBClient, table: string, options: FeedStoreOptions): FeedStore {
  const write = (requests: WriteRequest[], signal?: AbortSignal) => batchWrite(client, table, requests, { concurrency: options.concurrency, ...(signal ? { signal } : {}) });

  const trim: FeedStore['trim'] = async (userId, signal) => {
    const older: WriteRequest[] = [];
    let seen = 0;
    const pages = queryPages(
      client,
      {
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
        ExpressionAttributeValues: { ':pk': s(feedKey(userId)) },
        ProjectionExpression: '#sk',
        ScanIndexForward: false,
      },
      signal,
    );
    for await (const page of pages) {
      for (const item of page) if (++seen > options.maxEntries) older.push({ DeleteRequest: { Key: keyOf(userId, item[KEY.sk]!.S!) } });
    }
    await write(older, signal);
  };

  return {
    async push(entries, signal) {
      if (entries.length === 0) return;
      const { cache } = options;
      // Redis first (a cached feed shows the post at once), then the table; then Redis once more,
      // for a set rebuilt meanwhile from a table read that came before this write.
      const cached = cache ? await cache.add(entries).then(() => true, () => false) : false;
      await write(
        entries.map((entry) => ({
          PutRequest: { Item: { ...keyOf(entry.userId, entry.position), postId: s(entry.postId), authorId: s(entry.authorId) } },
        })),
        signal,
      );
      if (cache) await settleCache(cache, () => entries.map((entry) => entry.userId), cached, () => cache.add(entries));
      // Trimming costs a Query of the feed: done on a sample of the writes, the same sample on every
      // replica and every redelivery, so a feed holds at most about maxEntries + trimEvery entries.
      const due = entries.filter((entry) => hashOf(`${entry.userId}#${entry.position}`) % options.trimEvery === 0);
      await forEachConcurrently(due, options.concurrency, (entry) => trim(entry.userId, signal), signal);
    },
    async unpush(entries, signal) {
      if (entries.length === 0) return;
      // The table first: a rebuild that reads it afterwards no longer finds the entries.
      await write(entries.map((entry) => ({ DeleteRequest: { Key: keyOf(entry.userId, entry.position) } })), signal);
      if (options.cache) await settleCache(options.cache, () => entries.map((entry) => entry.userId), true, () => options.cache!.remove(entries));
    },
    async removeAuthor(userId, authorId, signal) {
      const gone: WriteRequest[] = [];
      const pages = queryPages(
        client,
        {
          TableName: table,
          KeyConditionExpression: '#pk = :pk',
          FilterExpression: 'authorId = :author',
          ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
          ExpressionAttributeValues: { ':pk': s(feedKey(userId)), ':author': s(authorId) },
          ProjectionExpression: '#sk',
        },
        signal,
      );
      for await (const page of pages) for (const item of page) gone.push({ DeleteRequest: { Key: keyOf(userId, item[KEY.sk]!.S!) } });
      await write(gone, signal);
      // The whole set goes: the next read rebuilds it from the table.
      if (options.cache) await settleCache(options.cache, () => [userId], false);
    },
    trim,
  };
}

/** A feed entry as read: its position (the page cursor), the post and its author. */
export type FeedRead = PostRef;

/**
 * A page of `userId`'s feed: newest first below `before` (or from the newest), or, with `after`,
 * the `limit` entries just above it (returned oldest first). A feed table that does not exist yet
 * (no fan-out has started) reads as an empty feed.
 */
export async function readFeedPage(
  client: DynamoDBClient,
  table: string,
  userId: string,
  page: { limit: number; before?: string | undefined; after?: string | undefined },
): Promise<FeedRead[]> {
  const range = page.after !== undefined ? ' AND #sk > :bound' : page.before !== undefined ? ' AND #sk < :bound' : '';
  const bound = page.after ?? page.before;
  const entries: FeedRead[] = [];
  try {
    const pages = queryPages(client, {
      TableName: table,
      KeyConditionExpression: `#pk = :pk${range}`,
      ExpressionAttributeNames: { '#pk': KEY.pk, ...(range ? { '#sk': KEY.sk } : {}) },
      ExpressionAttributeValues: { ':pk': s(feedKey(userId)), ...(bound !== undefined ? { ':bound': s(bound) } : {}) },
      ScanIndexForward: page.after !== undefined,
      Limit: page.limit,
    });
    for await (const items of pages) {
      for (const item of items) entries.push({ position: item[KEY.sk]!.S!, postId: item.postId!.S!, authorId: item.authorId!.S! });
      if (entries.length >= page.limit) break;
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw error;
  }
  return entries.slice(0, page.limit);
}
