import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FeedCache, FeedPageRequest } from './feed-cache.js';
import { readFeedPage, type FeedRead } from './feed-store.js';

export interface FeedReader {
  /** A page of the user's feed, as readFeedPage returns it: from Redis when it holds it, else from the table. */
  read(userId: string, page: FeedPageRequest): Promise<FeedRead[]>;
}

/**
 * The page `page` asks for out of `entries` (the newest entries of a feed, newest first), or
 * undefined when they do not hold all of it (`whole`: they are the whole feed).
 */
export function pageOf(entries: readonly FeedRead[], whole: boolean, page: FeedPageRequest): FeedRead[] | undefined {
  if (page.after !== undefined) {
    const oldest = entries.at(-1);
    if (!whole && (!oldest || oldest.position > page.after)) return undefined;
    return entries.filter((entry) => entry.position > page.after!).reverse().slice(0, page.limit);
  }
  const below = entries.filter((entry) => page.before === undefined || entry.position < page.before).slice(0, page.limit);
  return below.length === page.limit || whole ? below : undefined;
}

/**
 * The feed read with Redis in front of the table (or the table alone without a cache). A miss
 * rebuilds the user's set from the table's newest `maxEntries` entries and answers from what it
 * read; a page older than the set holds, and any Redis failure, is read from the table: Redis
 * being down makes reads slower, never wrong.
 */
export function createFeedReader(options: { client: DynamoDBClient; table: string; cache?: FeedCache | undefined; maxEntries: number }): FeedReader {
  const { client, table, cache, maxEntries } = options;
  const fromTable = (userId: string, page: FeedPageRequest) => readFeedPage(client, table, userId, page);
  return {
    async read(userId, page) {
      if (!cache) return fromTable(userId, page);
      let cached: FeedRead[] | undefined;
      try {
        cached = await cache.read(userId, page);
      } catch {
        return fromTable(userId, page);
      }
      if (cached) return cached;
      const ticket = await cache.beginRebuild(userId).catch(() => undefined);
      if (!ticket) return fromTable(userId, page); // being rebuilt by another read, or a page older than the set
      const newest = await fromTable(userId, { limit: maxEntries });
      const whole = newest.length < maxEntries;
      await cache.commitRebuild(ticket, newest, whole).catch(() => false);
      return pageOf(newest, whole, page) ?? fromTable(userId, page);
    },
  };
}
