import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { batchWrite, hashOf, queryPages, s } from './dynamo.js';
import { KEY, LOOKUP_SK, postLookupKey, userKey } from './keys.js';

/** A post as the fan-out keeps it: where it sorts and who wrote it (content is read from PostgreSQL). */
export interface PostRef {
  position: string;
  postId: string;
  authorId: string;
}

/**
 * Each author's last posts (`user#<id>` / `<timestamp>#<postId>`, newest `max` kept), for the
 * backfill of a new follower's feed, and a lookup per post (`post#<id>` / `post`) so that a
 * deletion, whose event does not carry the creation time, finds the post's position.
 */
export interface AuthorPosts {
  record(post: PostRef): Promise<void>;
  lookup(postId: string): Promise<PostRef | undefined>;
  remove(post: PostRef): Promise<void>;
  /** The author's newest `count` posts, newest first. */
  recent(authorId: string, count: number): Promise<PostRef[]>;
}

export function createAuthorPosts(
  client: DynamoDBClient,
  table: string,
  options: { max: number; trimEvery: number; concurrency: number },
): AuthorPosts {
  const trim = async (authorId: string) => {
    const older: string[] = [];
    let seen = 0;
    const pages = queryPages(client, {
      TableName: table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
      ExpressionAttributeValues: { ':pk': s(userKey(authorId)) },
      ProjectionExpression: '#sk',
      ScanIndexForward: false,
    });
    for await (const page of pages) {
      for (const item of page) if (++seen > options.max) older.push(item[KEY.sk]!.S!);
    }
    await batchWrite(
      client,
      table,
      older.map((sk) => ({ DeleteRequest: { Key: { [KEY.pk]: s(userKey(authorId)), [KEY.sk]: s(sk) } } })),
      { concurrency: options.concurrency },
    );
  };
  return {
    async record(post) {
      await Promise.all([
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: { [KEY.pk]: s(userKey(post.authorId)), [KEY.sk]: s(post.position), postId: s(post.postId) },
          }),
        ),
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: { [KEY.pk]: s(postLookupKey(post.postId)), [KEY.sk]: s(LOOKUP_SK), position: s(post.position), authorId: s(post.authorId) },
          }),
        ),
      ]);
      if (hashOf(post.position) % options.trimEvery === 0) await trim(post.authorId);
    },
    async lookup(postId) {
      const { Item: item } = await client.send(
        new GetItemCommand({ TableName: table, Key: { [KEY.pk]: s(postLookupKey(postId)), [KEY.sk]: s(LOOKUP_SK) }, ConsistentRead: true }),
      );
      return item ? { postId, position: item.position!.S!, authorId: item.authorId!.S! } : undefined;
    },
    async remove(post) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: { [KEY.pk]: s(userKey(post.authorId)), [KEY.sk]: s(post.position) } }));
      // Last: while it exists, a redelivered deletion still finds what to remove.
      await client.send(new DeleteItemCommand({ TableName: table, Key: { [KEY.pk]: s(postLookupKey(post.postId)), [KEY.sk]: s(LOOKUP_SK) } }));
    },
    async recent(authorId, count) {
      const posts: PostRef[] = [];
      const pages = queryPages(client, {
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': KEY.pk },
        ExpressionAttributeValues: { ':pk': s(userKey(authorId)) },
        ScanIndexForward: false,
        Limit: count,
      });
      for await (const page of pages) {
        for (const item of page) posts.push({ position: item[KEY.sk]!.S!, postId: item.postId!.S!, authorId });
        if (posts.length >= count) break;
      }
      return posts.slice(0, count);
    },
  };
}
