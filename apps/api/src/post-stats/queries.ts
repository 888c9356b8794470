import type { AnalyticsQueries } from '@herald/analytics';
import type { Pool } from '../db/pool.js';
import { notFound } from '../errors.js';
import type { components } from '../openapi/contract.generated.js';

/** The statistics of a post's current version, as served. */
export type PostStats = components['schemas']['PostStats'];
/** What is served while the figures of the post's current version are not computed. */
export type PostStatsPending = components['schemas']['PostStatsPending'];

export type PostStatsAnswer = { computed: true; body: PostStats } | { computed: false; body: PostStatsPending };

/** What the posts table says of a post: its version, which post it is, and its counters. */
interface PostRecord {
  version: number;
  created_ms: string;
  comment_count: number;
  view_count: string;
}

/** Seconds after which a client should ask again: the analytics consumer is usually that close behind. */
export const PENDING_RETRY_AFTER_SECONDS = 1;

async function findPostRecord(pool: Pool, id: string): Promise<PostRecord | undefined> {
  const { rows } = await pool.query<PostRecord>({
    name: 'post-stats-post',
    // Times as epoch milliseconds in text: independent of the type parsers installed on pg.
    text: `SELECT version, comment_count, view_count::text AS view_count,
                  floor(extract(epoch FROM created_at) * 1000)::bigint::text AS created_ms
             FROM posts WHERE id = $1`,
    values: [id],
  });
  return rows[0];
}

export interface PostStatsQueries {
  /**
   * The statistics of the post's current version with its counters, or a pending answer when they
   * are not computed yet; throws HERALD_NOT_FOUND for an unknown post.
   */
  read(postId: string): Promise<PostStatsAnswer>;
}

/**
 * Joins the two sources of a post's statistics: the post itself (its current version and its
 * counters, from the posts table, where `comment_count` is exact and `view_count` lags by a few
 * seconds) and the figures the analytics consumer computed from its events (analytics.post_stats).
 *
 * The figures are served only when they describe the post as it is: the same post (a post
 * deleted and created again under its id is another one) at its current version. The post is
 * read first, so figures newer than the version read (an edit committed and counted in between)
 * are served as they are, with their own version; older figures, or none, are a pending answer.
 */
export function createPostStatsQueries({ pool, analytics }: { pool: Pool; analytics: AnalyticsQueries }): PostStatsQueries {
  return {
    async read(postId) {
      const post = await findPostRecord(pool, postId);
      if (!post) throw notFound('post', postId);
      const figures = await analytics.postStats(postId);
      const samePost = figures !== undefined && Date.parse(figures.post_created_at) === Number(post.created_ms);
      if (figures && samePost && figures.post_version >= post.version) {
        return {
          computed: true,
          body: {
            post_id: postId,
            post_version: figures.post_version,
            word_count: figures.word_count,
            avg_word_length: figures.avg_word_length,
            char_count: figures.char_count,
            comment_count: post.comment_count,
            view_count: Number(post.view_count),
            computed_at: figures.computed_at,
          },
        };
      }
      const behind = figures && samePost ? ` (those kept are of version ${figures.post_version})` : '';
      return {
        computed: false,
        body: {
          post_id: postId,
          post_version: post.version,
          status: 'pending',
          detail:
            `The statistics of version ${post.version} of post ${postId} are not computed yet${behind}; ` +
            `they follow the post's events within seconds. Ask again after ${PENDING_RETRY_AFTER_SECONDS} s.`,
        },
      };
    },
  };
}
