import type { Pool } from '../db/pool.js';

/** A post's place in a feed, as read from PostgreSQL. */
export interface PostPlace {
  id: string;
  author_id: string;
  created_at: Date;
}

/** A post with its author, as the feed shows it. */
export interface FeedPostRow {
  id: string;
  author_id: string;
  author_handle: string;
  author_display_name: string;
  blog_id: string | null;
  title: string;
  content: string;
  created_at: Date;
  updated_at: Date;
  version: number;
  has_image: boolean;
}

/** Bounds of a page: strictly older than `before`, or strictly newer than `after` (nearest first). */
export interface PlaceRange {
  before?: { createdAt: Date; id: string } | undefined;
  after?: { createdAt: Date; id: string } | undefined;
}

/**
 * The feed's reads of PostgreSQL (SQL, nothing else). Ids compare in the "C" collation: the
 * order of the feed table's sort keys (bytes), which a merge with them needs.
 */
export function createFeedRepository(pool: Pool) {
  return {
    /**
     * The newest (or, with `after`, the nearest newer) `limit` posts of the celebrities `userId`
     * follows (at least `threshold` followers): each followed celebrity's posts come from its
     * author index, then the best `limit` of them all.
     */
    async celebrityPosts(userId: string, threshold: number, limit: number, range: PlaceRange): Promise<PostPlace[]> {
      const ascending = range.after !== undefined;
      const bound = range.after ?? range.before;
      const order = ascending ? 'ASC' : 'DESC';
      const values: unknown[] = [userId, threshold, limit];
      let condition = '';
      if (bound) {
        values.push(bound.createdAt, bound.id);
        condition = `AND (created_at, id COLLATE "C") ${ascending ? '>' : '<'} ($4::timestamptz, $5::text COLLATE "C")`;
      }
      const { rows } = await pool.query<PostPlace>({
        text: `SELECT p.id, p.author_id, p.created_at
          FROM follows f
          JOIN users u ON u.id = f.followee_id AND u.follower_count >= $2
          CROSS JOIN LATERAL (
            SELECT id, author_id, created_at FROM posts
            WHERE author_id = f.followee_id ${condition}
            ORDER BY created_at ${order}, id COLLATE "C" ${order}
            LIMIT $3
          ) p
          WHERE f.follower_id = $1
          ORDER BY p.created_at ${order}, p.id COLLATE "C" ${order}
          LIMIT $3`,
        values,
      });
      return rows;
    },

    /**
     * The posts of `ids` with their authors, in one query: current content; posts since deleted,
     * and posts of authors `userId` no longer follows (an unfollow the fan-out has not applied
     * yet), are left out.
     */
    async hydrate(userId: string, ids: string[]): Promise<FeedPostRow[]> {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<FeedPostRow>({
        text: `SELECT p.id, p.author_id, p.author_handle, p.author_display_name,
            p.blog_id, p.title, p.content, p.created_at, p.updated_at, p.version, p.has_image
          FROM posts p
          WHERE p.id = ANY($2::text[])
            AND (p.author_id = $1 OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = p.author_id))`,
        values: [userId, ids],
      });
      return rows;
    },
  };
}

export type FeedRepository = ReturnType<typeof createFeedRepository>;
