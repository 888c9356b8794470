import type { Pool, PoolClient } from '../db/pool.js';

type Queryable = Pool | PoolClient;

/** Adds the edge and counts it on both users; nothing when it exists already. */
export async function follow(client: PoolClient, followerId: string, followeeId: string, at: Date): Promise<boolean> {
  const { rows } = await client.query({
    name: 'follows-insert',
    text: `INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1`,
    values: [followerId, followeeId, at],
  });
  if (rows.length === 0) return false;
  await client.query({
    name: 'follows-count-up',
    text: `UPDATE users SET
        follower_count = follower_count + CASE WHEN id = $2 THEN 1 ELSE 0 END,
        following_count = following_count + CASE WHEN id = $1 THEN 1 ELSE 0 END
      WHERE id IN ($1, $2)`,
    values: [followerId, followeeId],
  });
  return true;
}

/** Removes the edge and uncounts it on both users; nothing when there was none. */
export async function unfollow(client: PoolClient, followerId: string, followeeId: string): Promise<boolean> {
  const { rows } = await client.query({
    name: 'follows-delete',
    text: 'DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1',
    values: [followerId, followeeId],
  });
  if (rows.length === 0) return false;
  await client.query({
    name: 'follows-count-down',
    text: `UPDATE users SET
        follower_count = follower_count - CASE WHEN id = $2 THEN 1 ELSE 0 END,
        following_count = following_count - CASE WHEN id = $1 THEN 1 ELSE 0 END
      WHERE id IN ($1, $2)`,
    values: [followerId, followeeId],
  });
  return true;
}

export async function userExists(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query({ name: 'follows-user-exists', text: 'SELECT 1 FROM users WHERE id = $1', values: [id] });
  return rows.length > 0;
}

export interface FollowRow {
  id: string;
  handle: string;
  display_name: string;
  followed_at: Date;
}

export interface FollowPosition {
  followedAt: Date;
  id: string;
}

/** One page of a user's followers (`direction` followers) or of whom they follow, newest first. */
export async function listEdges(
  db: Queryable,
  direction: 'followers' | 'following',
  userId: string,
  after: FollowPosition | undefined,
  limit: number,
): Promise<FollowRow[]> {
  // followers: edges pointing at the user, listing who follows; following: edges from the user.
  const [own, other] = direction === 'followers' ? ['followee_id', 'follower_id'] : ['follower_id', 'followee_id'];
  const text = `SELECT u.id, u.handle, u.display_name, f.created_at AS followed_at
    FROM follows f JOIN users u ON u.id = f.${other}
    WHERE f.${own} = $1 ${after ? `AND (f.created_at, f.${other}) < ($3, $4)` : ''}
    ORDER BY f.created_at DESC, f.${other} DESC LIMIT $2`;
  const { rows } = await db.query<FollowRow>({
    name: `follows-${direction}${after ? '-after' : ''}`,
    text,
    values: after ? [userId, limit, after.followedAt, after.id] : [userId, limit],
  });
  return rows;
}
