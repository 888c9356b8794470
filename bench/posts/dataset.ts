import pg from 'pg';
import type { DatasetOptions } from './options.js';

/**
 * The benchmark's data, written straight into the API's tables in a few set-based statements
 * (no HTTP, no outbox: the benchmark measures reads of a large set, not how it was written).
 *
 * - `users`: the authors, `bench_author_NNNNNN`. Their password hash is no hash at all, so nobody
 *   can sign in as them; the users who write comments during the run register through the API.
 * - `posts`: ids `bench-N` (client-chosen ids, as the API accepts them), authors drawn with a skew
 *   (some write much more than others), created over the last year, 40..600 characters of content.
 * - `comments`: each post draws a log-normal weight (`--skew` is its sigma) and every comment picks
 *   its post with a probability proportional to that weight (a multinomial draw), so the total is
 *   exactly `--comments` and a few posts gather most of them while many have none. Each post's
 *   `comment_count` is its number of rows by construction, and `checkDataset` verifies it.
 *
 * Timestamps are whole milliseconds, as the API writes them (JavaScript dates): the listings'
 * cursors carry milliseconds, and rows with finer timestamps would be skipped when paging.
 */

export interface LoadTimings {
  usersSeconds: number;
  distributionSeconds: number;
  postsSeconds: number;
  commentsSeconds: number;
  /** Filling each post's copy of its two newest comments, which the API keeps on every comment write. */
  previewsSeconds: number;
  vacuumSeconds: number;
  totalSeconds: number;
}

export interface Distribution {
  posts: number;
  comments: number;
  /** Share of posts with no comment, 0..1. */
  withoutComments: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
  /** Share of all comments on the 1% most commented posts. */
  topPercentShare: number;
}

export interface CountCheck {
  posts: number;
  /** Rows of `comments`. */
  commentRows: number;
  /** Sum of `posts.comment_count`. */
  counted: number;
  /** Posts whose `comment_count` differs from their rows. */
  mismatchedPosts: number;
  /** Comments whose post or author, and posts whose author, does not exist. */
  danglingReferences: number;
  /** Posts whose copy of their two newest comments, or of their author's names, differs from the rows. */
  stalePreviews: number;
  ok: boolean;
}

const AUTHOR_PREFIX = 'bench_author_';
/** Not a PHC string: verifying any password against it fails, so these users cannot sign in. */
const NO_PASSWORD = '!bench-loaded-user-without-password';

const seconds = (since: number) => (performance.now() - since) / 1000;

export async function loadDataset(databaseUrl: string, options: DatasetOptions, log: (message: string) => void): Promise<LoadTimings> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'herald-bench-posts-load' });
  await client.connect();
  const started = performance.now();
  try {
    // Nothing here needs to survive a crash of the server: a failed load fails the run.
    await client.query(`SET synchronous_commit = off; SET work_mem = '64MB'; SET maintenance_work_mem = '256MB'`);
    const { rows: version } = await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    // PostgreSQL 18 makes UUIDv7s, as the API does for comments; older servers random ones.
    const newUuid = version[0]!.v >= 180000 ? 'uuidv7()' : 'gen_random_uuid()';

    let step = performance.now();
    await client.query(
      `INSERT INTO users (id, handle, display_name, password_hash, role, created_at, updated_at)
       SELECT gen_random_uuid(), $2 || lpad(n::text, 6, '0'), 'Bench author ' || n, $3, 'user',
              date_trunc('milliseconds', now() - interval '2 years'), date_trunc('milliseconds', now() - interval '2 years')
       FROM generate_series(1, $1::int) n`,
      [options.users, AUTHOR_PREFIX, NO_PASSWORD],
    );
    const usersSeconds = seconds(step);
    log(`${options.users} users in ${usersSeconds.toFixed(1)} s`);

    step = performance.now();
    // Each comment draws u in [0, 1) and lands on the post whose slice of the cumulative weights
    // holds it: width_bucket's binary search over the posts' upper bounds, in order.
    await client.query(
      `CREATE TEMP TABLE bench_comment_counts AS
       WITH weights AS (
         SELECT n AS post_no, exp($2::float8 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS w
         FROM generate_series(1, $1::int) n
       ), bounds AS (
         SELECT array_agg(CASE WHEN post_no = $1 THEN 1.0::float8 ELSE least(upto, 1.0) END ORDER BY post_no) AS upper_bounds
         FROM (SELECT post_no, sum(w) OVER (ORDER BY post_no) / sum(w) OVER () AS upto FROM weights) cumulative
       )
       SELECT width_bucket(random(), bounds.upper_bounds) + 1 AS post_no, count(*)::int AS n
       FROM generate_series(1, $3::int), bounds
       GROUP BY 1`,
      [options.posts, options.skew, options.comments],
    );
    const distributionSeconds = seconds(step);
    log(`comments per post drawn in ${distributionSeconds.toFixed(1)} s`);

    step = performance.now();
    await client.query(
      `CREATE TEMP TABLE bench_authors AS
       SELECT array_agg(id ORDER BY handle) AS ids FROM users WHERE starts_with(handle, $1)`,
      [AUTHOR_PREFIX],
    );
    // The subquery keeps one draw of random() per row for both timestamps and the author.
    await client.query(
      `INSERT INTO posts (id, author_id, author_handle, author_display_name, blog_id, title, content, comment_count, view_count, created_at, updated_at, version)
       SELECT 'bench-' || g.n, a.ids[1 + g.author_no], u.handle, u.display_name, NULL, 'Bench post ' || g.n,
              left(repeat(md5(g.n::text) || ' ' || md5((-g.n)::text) || ' ', 10), g.length),
              COALESCE(c.n, 0), 0, g.t, g.t, 1
       FROM (SELECT n, date_trunc('milliseconds', now() - random() * interval '365 days') AS t,
                    floor($2::int * power(random(), 2))::int AS author_no, 40 + floor(random() * 561)::int AS length
             FROM generate_series(1, $1::int) n) g
       CROSS JOIN bench_authors a
       JOIN users u ON u.id = a.ids[1 + g.author_no]
       LEFT JOIN bench_comment_counts c ON c.post_no = g.n`,
      [options.posts, options.users],
    );
    const postsSeconds = seconds(step);
    log(`${options.posts} posts in ${postsSeconds.toFixed(1)} s`);

    // Checking each row's references one by one (foreign-key triggers) is most of an insert's
    // time here, and every reference is to a row this load has just written: as pg_restore
    // --disable-triggers does, the load runs in replica mode (it needs a superuser, which the
    // embedded server's user is), and `checkDataset` verifies every reference in one pass after.
    // Posts are inserted before, with their triggers: one keeps each post's listed JSON.
    const replica = await client.query('SET session_replication_role = replica').then(
      () => true,
      () => false,
    );
    step = performance.now();
    await client.query(
      `INSERT INTO comments (id, post_id, author_id, content, created_at)
       SELECT ${newUuid}, p.id, a.ids[1 + floor($1::int * random())::int],
              'Comment ' || k || ' on ' || p.id || ': ' || left(md5(random()::text) || ' ' || md5(random()::text), 10 + floor(random() * 56)::int),
              date_trunc('milliseconds', p.created_at + random() * (now() - p.created_at))
       FROM posts p
       CROSS JOIN LATERAL generate_series(1, p.comment_count) k
       CROSS JOIN bench_authors a
       WHERE starts_with(p.id, 'bench-')`,
      [options.users],
    );
    const commentsSeconds = seconds(step);
    log(`${options.comments} comments in ${commentsSeconds.toFixed(1)} s${replica ? '' : ' (foreign keys checked row by row: not a superuser)'}`);
    if (replica) await client.query('RESET session_replication_role');

    // Each post's two newest comments, as the API keeps them with the post: set-based here.
    step = performance.now();
    await client.query(
      `UPDATE posts p SET latest_comments = newest.comments
       FROM (
         SELECT post_id, jsonb_agg(posts_comment_json(id, post_id, author_id, handle, display_name, content, created_at)
                                   ORDER BY created_at DESC, id DESC)::json AS comments
         FROM (
           SELECT c.id, c.post_id, c.author_id, u.handle, u.display_name, c.content, c.created_at,
                  row_number() OVER (PARTITION BY c.post_id ORDER BY c.created_at DESC, c.id DESC) AS rank
           FROM comments c JOIN users u ON u.id = c.author_id
         ) c
         WHERE rank <= 2
         GROUP BY post_id
       ) newest
       WHERE p.id = newest.post_id`,
    );
    const previewsSeconds = seconds(step);
    log(`each post's two newest comments copied in ${previewsSeconds.toFixed(1)} s`);

    step = performance.now();
    await client.query('DROP TABLE bench_comment_counts, bench_authors');
    // Statistics for the planner and a visibility map for index-only scans, as a settled table has.
    await client.query('VACUUM (ANALYZE) users, posts, comments');
    // The load's dirty pages (hundreds of MB) written out now, so that no checkpoint flushing them
    // falls in the middle of the measurements.
    await client.query('CHECKPOINT');
    const vacuumSeconds = seconds(step);
    log(`vacuumed, analysed and checkpointed in ${vacuumSeconds.toFixed(1)} s`);
    return { usersSeconds, distributionSeconds, postsSeconds, commentsSeconds, previewsSeconds, vacuumSeconds, totalSeconds: seconds(started) };
  } finally {
    await client.end();
  }
}

/**
 * Whether every post's `comment_count` and copy of its two newest comments match its rows in
 * `comments` (after the load, and after the run's comment writes through the API), and whether
 * every reference holds.
 */
export async function checkDataset(db: pg.Pool | pg.Client): Promise<CountCheck> {
  const { rows } = await db.query<{ posts: number; comment_rows: number; counted: number; mismatched: number; dangling: number; stale: number }>(
    `SELECT count(*)::int AS posts,
            (SELECT count(*) FROM comments)::float8 AS comment_rows,
            COALESCE(sum(p.comment_count), 0)::float8 AS counted,
            (count(*) FILTER (WHERE p.comment_count <> COALESCE(c.n, 0)))::int AS mismatched,
            ((SELECT count(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id))
             + (SELECT count(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.author_id))
             + (SELECT count(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.author_id)))::int AS dangling,
            (SELECT count(*) FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.latest_comments::jsonb <> posts_latest_comments(p.id)::jsonb
                OR p.author_handle <> u.handle OR p.author_display_name <> u.display_name
                OR p.listed <> posts_listed_json(p))::int AS stale
     FROM posts p LEFT JOIN (SELECT post_id, count(*) AS n FROM comments GROUP BY post_id) c ON c.post_id = p.id`,
  );
  const row = rows[0]!;
  return {
    posts: row.posts,
    commentRows: row.comment_rows,
    counted: row.counted,
    mismatchedPosts: row.mismatched,
    danglingReferences: row.dangling,
    stalePreviews: row.stale,
    ok: row.mismatched === 0 && row.dangling === 0 && row.stale === 0 && row.comment_rows === row.counted,
  };
}

export async function describeDistribution(db: pg.Pool | pg.Client): Promise<Distribution> {
  const { rows } = await db.query<{
    posts: number;
    comments: number;
    without: number;
    median: number;
    p90: number;
    p99: number;
    max: number;
    top: number;
  }>(
    `WITH ranked AS (
       SELECT comment_count, row_number() OVER (ORDER BY comment_count DESC) AS rank, count(*) OVER () AS total FROM posts
     )
     SELECT count(*)::int AS posts,
            COALESCE(sum(comment_count), 0)::float8 AS comments,
            (count(*) FILTER (WHERE comment_count = 0))::float8 / greatest(count(*), 1) AS without,
            COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY comment_count), 0) AS median,
            COALESCE(percentile_disc(0.9) WITHIN GROUP (ORDER BY comment_count), 0) AS p90,
            COALESCE(percentile_disc(0.99) WITHIN GROUP (ORDER BY comment_count), 0) AS p99,
            COALESCE(max(comment_count), 0) AS max,
            COALESCE(sum(comment_count) FILTER (WHERE rank <= greatest(total / 100, 1)), 0)::float8 / greatest(sum(comment_count), 1) AS top
     FROM ranked`,
  );
  const row = rows[0]!;
  return {
    posts: row.posts,
    comments: row.comments,
    withoutComments: row.without,
    median: row.median,
    p90: row.p90,
    p99: row.p99,
    max: row.max,
    topPercentShare: row.top,
  };
}
