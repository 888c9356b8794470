import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { queryPages, s, type Item } from './dynamo.js';
import { COUNTER_SK, followerSk, followingSk, KEY, userKey } from './keys.js';

const FOLLOWER_PREFIX = followerSk('');

/** Where an event sits in its partition: events of one followed user come in this order. */
export interface StreamPosition {
  partition: number;
  offset: string;
}

/**
 * The follow graph in DynamoDB: `user#<followee>` / `follower#<follower>` (listing a user's
 * followers in batches is one Query per batch) and `user#<follower>` / `following#<followee>`
 * (the reverse direction), plus a counter item per user (`user#<id>` / `count`).
 */
export interface FollowGraph {
  /** Writes both directions of the edge (idempotent puts). */
  addEdge(followeeId: string, followerId: string, followedAt: string): Promise<void>;
  removeEdge(followeeId: string, followerId: string): Promise<void>;
  /**
   * Adds `delta` to the followee's count once per event: the counter remembers the stream
   * position of the last event it counted, and the events of one followee arrive in partition
   * order, so a redelivered event (at or before that position) changes nothing. Returns the count.
   */
  count(followeeId: string, delta: 1 | -1, at: StreamPosition): Promise<number>;
  followerCount(userId: string): Promise<number>;
  /**
   * The user's followers, `batchSize` ids at a time, in the order of their sort keys; with `range`,
   * only those whose sort key is after `range.from` and up to `range.to` (null: open).
   */
  followers(userId: string, batchSize: number, signal?: AbortSignal, range?: FollowerRange): AsyncGenerator<string[]>;
}

/** A slice of a user's followers by sort key (`follower#<id>`): after `from`, up to and including `to`. */
export interface FollowerRange {
  from: string | null;
  to: string | null;
}

export function createFollowGraph(client: DynamoDBClient, table: string): FollowGraph {
  const followerCount = async (userId: string) => {
    const { Item: item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { [KEY.pk]: s(userKey(userId)), [KEY.sk]: s(COUNTER_SK) }, ConsistentRead: true }),
    );
    return Number(item?.followers?.N ?? 0);
  };
  return {
    async addEdge(followeeId, followerId, followedAt) {
      const edge = (pk: string, sk: string, other: string): Item => ({
        [KEY.pk]: s(pk),
        [KEY.sk]: s(sk),
        userId: s(other),
        followedAt: s(followedAt),
      });
      await Promise.all([
        client.send(new PutItemCommand({ TableName: table, Item: edge(userKey(followeeId), followerSk(followerId), followerId) })),
        client.send(new PutItemCommand({ TableName: table, Item: edge(userKey(followerId), followingSk(followeeId), followeeId) })),
      ]);
    },
    async removeEdge(followeeId, followerId) {
      await Promise.all([
        client.send(new DeleteItemCommand({ TableName: table, Key: { [KEY.pk]: s(userKey(followeeId)), [KEY.sk]: s(followerSk(followerId)) } })),
        client.send(new DeleteItemCommand({ TableName: table, Key: { [KEY.pk]: s(userKey(followerId)), [KEY.sk]: s(followingSk(followeeId)) } })),
      ]);
    },
    async count(followeeId, delta, at) {
      try {
        const { Attributes } = await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { [KEY.pk]: s(userKey(followeeId)), [KEY.sk]: s(COUNTER_SK) },
            UpdateExpression: 'ADD followers :delta SET lastPartition = :partition, lastOffset = :offset',
            ConditionExpression: 'attribute_not_exists(lastOffset) OR lastPartition <> :partition OR lastOffset < :offset',
            ExpressionAttributeValues: {
              ':delta': { N: String(delta) },
              ':partition': { N: String(at.partition) },
              ':offset': { N: at.offset },
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Math.max(0, Number(Attributes?.followers?.N ?? 0));
      } catch (error) {
        // Counted already (a redelivery): the count stays as it is.
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return followerCount(followeeId);
        throw error;
      }
    },
    followerCount,
    async *followers(userId, batchSize, signal, range) {
      // 'follower$' sorts just after every 'follower#…' key.
      const pages = queryPages(
        client,
        {
          TableName: table,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
          ExpressionAttributeValues: { ':pk': s(userKey(userId)), ':from': s(range?.from ?? FOLLOWER_PREFIX), ':to': s(range?.to ?? 'follower$') },
          ProjectionExpression: '#sk',
          Limit: batchSize,
        },
        signal,
      );
      for await (const page of pages) {
        const ids = page.flatMap((item) => {
          const sk = item[KEY.sk]!.S!;
          return sk === range?.from ? [] : [sk.slice(FOLLOWER_PREFIX.length)];
        });
        if (ids.length > 0) yield ids;
      }
    },
  };
}
