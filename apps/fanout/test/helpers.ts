import { randomUUID } from 'node:crypto';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEventLogClient, startEmbeddedDynamoDb } from '@herald/event-log';
import type { PostCreated, PostDeleted, UserFollowed, UserUnfollowed } from '@herald/event-schemas';
import { pino } from 'pino';
import type { Test } from 'tap';
import {
  createFanoutStores,
  createFeedReader,
  ensureFanoutTables,
  loadFeedSettings,
  openFeedCache,
  type FanoutDeps,
  type FeedCache,
  type FeedReader,
  type FeedSettings,
} from '../src/index.js';

/** DynamoDB Local when the real-stack run points at it, else a dynalite of this test's own. */
export async function dynamoEndpoint(t: Test): Promise<string> {
  if (process.env.DYNAMODB_ENDPOINT) return process.env.DYNAMODB_ENDPOINT;
  const dynalite = await startEmbeddedDynamoDb();
  t.teardown(() => dynalite.close());
  return dynalite.endpoint;
}

/** A client of `endpoint` (by default DynamoDB Local when the real-stack run points at it, dynalite in this process otherwise). */
export async function dynamoClient(t: Test, endpoint?: string): Promise<DynamoDBClient> {
  const client = createEventLogClient({ endpoint: endpoint ?? (await dynamoEndpoint(t)), region: 'us-east-1', credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' } });
  t.teardown(() => client.destroy());
  return client;
}

/** Fan-out stores on tables of this test's own. */
export async function fanoutDeps(t: Test, env: Record<string, string> = {}): Promise<FanoutDeps & { client: DynamoDBClient; settings: FeedSettings }> {
  const client = await dynamoClient(t);
  const settings = loadFeedSettings({ FANOUT_TABLE_PREFIX: `herald-test-${randomUUID().slice(0, 8)}-`, ...env });
  await ensureFanoutTables(client, settings);
  return { ...createFanoutStores(client, settings), log: pino({ level: 'silent' }), client, settings };
}

/**
 * Fan-out stores with the feed cache on `redisUrl` in front of the feed table, and a feed reader
 * as the API has (its own connection, like an API instance next to a fan-out replica).
 */
export async function cachedFanoutDeps(
  t: Test,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<FanoutDeps & { client: DynamoDBClient; settings: FeedSettings; cache: FeedCache; readerCache: FeedCache; reader: FeedReader }> {
  const client = await dynamoClient(t);
  const settings = loadFeedSettings({ FANOUT_TABLE_PREFIX: `herald-test-${randomUUID().slice(0, 8)}-`, REDIS_URL: redisUrl, ...env });
  await ensureFanoutTables(client, settings);
  const cache = openFeedCache(settings)!;
  const readerCache = openFeedCache(settings)!;
  t.teardown(() => Promise.all([cache.close(), readerCache.close()]));
  await Promise.all([cache.connected(5_000), readerCache.connected(5_000)]);
  const reader = createFeedReader({ client, table: settings.tables.feeds, cache: readerCache, maxEntries: settings.feedMaxEntries });
  return { ...createFanoutStores(client, settings, cache), log: pino({ level: 'silent' }), client, settings, cache, readerCache, reader };
}

/** How many items a table holds. */
export async function countItems(client: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

const envelope = (type: string, subject: string, time: string) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/herald/test',
  type,
  subject,
  time,
  datacontenttype: 'application/json',
  dataschema: `urn:herald:event:${type}:1`,
});

export const userFollowed = (followerId: string, followeeId: string) =>
  ({ ...envelope('UserFollowed', followeeId, new Date().toISOString()), data: { follower_id: followerId, followee_id: followeeId, followed_at: new Date().toISOString() } }) as unknown as UserFollowed;

export const userUnfollowed = (followerId: string, followeeId: string) =>
  ({ ...envelope('UserUnfollowed', followeeId, new Date().toISOString()), data: { follower_id: followerId, followee_id: followeeId, unfollowed_at: new Date().toISOString() } }) as unknown as UserUnfollowed;

export const postCreated = (authorId: string, postId: string, createdAt: Date) =>
  ({
    ...envelope('PostCreated', postId, createdAt.toISOString()),
    data: {
      post: {
        id: postId,
        author_id: authorId,
        blog_id: null,
        title: '',
        content: `post ${postId}`,
        created_at: createdAt.toISOString(),
        updated_at: createdAt.toISOString(),
        version: 1,
      },
    },
  }) as unknown as PostCreated;

export const postDeleted = (authorId: string, postId: string) =>
  ({
    ...envelope('PostDeleted', postId, new Date().toISOString()),
    data: { post_id: postId, author_id: authorId, blog_id: null, version: 1, deleted_at: new Date().toISOString() },
  }) as unknown as PostDeleted;
