/**
 * Keys of the fan-out tables. A feed entry and an author's post are sorted by
 * `<created_at as ISO 8601 in ms>#<postId>`: the ISO form sorts as text in time order, and the
 * post id breaks ties, so every post has one position, the same in every table and in the API's
 * merge of celebrity posts read from PostgreSQL.
 */

/** Partition and sort key attribute names of every fan-out table. */
export const KEY = { pk: 'PK', sk: 'SK' } as const;

export const userKey = (userId: string) => `user#${userId}`;
export const feedKey = (userId: string) => `feed#${userId}`;
export const postLookupKey = (postId: string) => `post#${postId}`;
export const followerSk = (followerId: string) => `follower#${followerId}`;
export const followingSk = (followeeId: string) => `following#${followeeId}`;
/** The item of a user's partition in the follow graph that holds their follower count. */
export const COUNTER_SK = 'count';
/** The item of `post#<id>` that says where the post sits (author, position). */
export const LOOKUP_SK = 'post';

const POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([A-Za-z0-9_-]{1,64})$/;

/** The sort key of a post: its creation time (ms) and its id. */
export function positionOf(createdAt: string | Date, postId: string): string {
  return `${new Date(createdAt).toISOString()}#${postId}`;
}

/** A position's parts, or undefined when the text is not a position. */
export function parsePosition(position: string): { createdAt: Date; postId: string } | undefined {
  const match = POSITION.exec(position);
  if (!match) return undefined;
  const createdAt = new Date(match[1]!);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== match[1]) return undefined;
  return { createdAt, postId: match[2]! };
}

/** The post id of a position (whatever follows the first `#`). */
export const postIdOf = (position: string) => position.slice(position.indexOf('#') + 1);
