import type { Pool, PoolClient } from '../db/pool.js';
import type { CommentRow, PostRow } from './representation.js';

type Queryable = Pool | PoolClient;

const COMMENT_COLUMNS = `c.id, c.post_id, c.author_id, cu.handle AS author_handle, cu.display_name AS author_display_name, c.content, c.created_at`;

/**
 * A post as a single read shows it (a listing sends each post's stored JSON: `listPostsJson`).
 * Its row carries its author's handle and display name and its two newest comments (kept in the
 * transactions that change them), so a read joins nothing.
 */
const POST_COLUMNS = `p.id, p.author_id, p.author_handle, p.author_display_name, p.blog_id, p.title,
  p.content, p.comment_count, p.view_count, p.created_at, p.updated_at, p.version, p.latest_comments, p.has_image`;
const POST_FROM = `posts p`;

export interface NewPost {
  id: string;
  authorId: string;
  blogId: string | null;
  title: string;
  content: string;
  createdAt: Date;
  /** Created with an image (its row is the images feature's, written in the same transaction). */
  hasImage?: boolean;
}

/**
 * Inserts a post unless its id exists; returns the id and the author's display name, or nothing.
 * The share lock on the author's row keeps a concurrent rename from missing the post's copy of
 * their name (see the migration's trigger).
 */
export const insertPostSql = `INSERT INTO posts (id, author_id, author_handle, author_display_name, blog_id, title, content, created_at, updated_at, has_image)
  SELECT $1, u.id, u.handle, u.display_name, $3, $4, $5, $6, $6, $7 FROM users u WHERE u.id = $2 FOR SHARE
  ON CONFLICT (id) DO NOTHING
  RETURNING id, author_display_name`;

export const insertPostValues = (post: NewPost) => [post.id, post.authorId, post.blogId, post.title, post.content, post.createdAt, post.hasImage ?? false];

/** Inserts many posts in one statement (a blog created with its posts); fails on any id taken. */
export async function insertPosts(client: PoolClient, posts: NewPost[]): Promise<void> {
  if (posts.length === 0) return;
  await client.query({
    name: 'posts-insert-many',
    text: `INSERT INTO posts (id, author_id, author_handle, author_display_name, blog_id, title, content, created_at, updated_at)
      SELECT t.id, t.author_id, u.handle, u.display_name, t.blog_id, t.title, t.content, t.created_at, t.created_at
      FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[])
        WITH ORDINALITY AS t(id, author_id, blog_id, title, content, created_at, n)
      JOIN (SELECT id, handle, display_name FROM users WHERE id = ANY($2::uuid[]) FOR SHARE) u ON u.id = t.author_id
      ORDER BY t.n`,
    values: [
      posts.map((p) => p.id),
      posts.map((p) => p.authorId),
      posts.map((p) => p.blogId),
      posts.map((p) => p.title),
      posts.map((p) => p.content),
      posts.map((p) => p.createdAt),
    ],
  });
}

export async function findPost(db: Queryable, id: string): Promise<PostRow | undefined> {
  const { rows } = await db.query<PostRow>({ name: 'posts-by-id', text: `SELECT ${POST_COLUMNS} FROM ${POST_FROM} WHERE p.id = $1`, values: [id] });
  return rows[0];
}

/**
 * Records whether the post carries an image (listings and feeds look images up only for posts
 * that do), locking the post for the rest of the transaction; its author, or nothing when the
 * post is gone.
 */
export async function setHasImage(client: PoolClient, id: string, hasImage: boolean): Promise<{ author_id: string } | undefined> {
  const { rows } = await client.query<{ author_id: string }>({
    name: 'posts-set-has-image',
    text: 'UPDATE posts SET has_image = $2 WHERE id = $1 RETURNING author_id',
    values: [id, hasImage],
  });
  return rows[0];
}

/** The post's row, locked for a change in this transaction. */
export async function lockPost(client: PoolClient, id: string) {
  const { rows } = await client.query<Omit<PostRow, 'author_handle' | 'author_display_name'>>({
    name: 'posts-lock',
    text: 'SELECT id, author_id, blog_id, title, content, comment_count, view_count, created_at, updated_at, version FROM posts WHERE id = $1 FOR UPDATE',
    values: [id],
  });
  return rows[0];
}

export async function updatePost(client: PoolClient, id: string, change: { title?: string; content?: string }, at: Date) {
  const { rows } = await client.query<Omit<PostRow, 'author_handle' | 'author_display_name'>>({
    name: 'posts-update',
    text: `UPDATE posts SET title = COALESCE($2, title), content = COALESCE($3, content), updated_at = $4, version = version + 1
      WHERE id = $1
      RETURNING id, author_id, blog_id, title, content, comment_count, view_count, created_at, updated_at, version`,
    values: [id, change.title ?? null, change.content ?? null, at],
  });
  return rows[0]!;
}

export async function deletePost(client: PoolClient, id: string): Promise<void> {
  await client.query({ name: 'posts-delete', text: 'DELETE FROM posts WHERE id = $1', values: [id] });
}

export async function authorOf(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ author_id: string }>({ name: 'posts-author', text: 'SELECT author_id FROM posts WHERE id = $1', values: [id] });
  return rows[0]?.author_id;
}

export type PostSort = 'recent' | 'comments';

/** Where a page starts: after this post in the listing's order. */
export interface PostPosition {
  commentCount?: number;
  createdAt: Date;
  id: string;
}

export interface PostQuery {
  sort: PostSort;
  authorId?: string;
  blogId?: string;
  after?: PostPosition;
  /** Posts on the page (one more is read, to tell whether another page follows). */
  limit: number;
}

/** One page of a listing: its posts as a JSON array, and where the next page starts. */
export interface PostPageJson {
  /** The page's posts, as the JSON text of an array of the contract's Post. */
  items: string;
  /** Whether a post of the page has an image (its state is the images feature's). */
  hasImages: boolean;
  /** The last post of the page when another page follows. */
  last: { comment_count: number; created_at: Date; id: string } | undefined;
}

/**
 * One page of posts in keyset order, as JSON. The statement is built from the query's shape only
 * (sort, filters, cursor or not), never from its values, and prepared under a name per shape, so
 * each shape gets a plan that walks its index; the page is one index range scan with nothing
 * joined, and its posts' stored JSON (`listed`, kept by a trigger: see the posts-listed-json
 * migration) joined into one array in their order, so neither PostgreSQL nor the API builds or
 * parses a post per read. Its twin for single posts is `toPost`; the contract tests check both.
 */
export async function listPostsJson(db: Queryable, query: PostQuery): Promise<PostPageJson> {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.authorId) where.push(`p.author_id = ${param(query.authorId)}`);
  if (query.blogId) where.push(`p.blog_id = ${param(query.blogId)}`);
  const keys = query.sort === 'comments' ? ['comment_count', 'created_at', 'id'] : ['created_at', 'id'];
  const order = (table: string) => keys.map((key) => `${table}.${key} DESC`).join(', ');
  if (query.after) {
    where.push(
      query.sort === 'comments'
        ? `(p.comment_count, p.created_at, p.id) < (${param(query.after.commentCount ?? 0)}, ${param(query.after.createdAt)}, ${param(query.after.id)})`
        : `(p.created_at, p.id) < (${param(query.after.createdAt)}, ${param(query.after.id)})`,
    );
  }
  const size = param(query.limit);
  const shape = `${query.sort}-${query.authorId ? 'a' : ''}${query.blogId ? 'b' : ''}${query.after ? 'c' : ''}`;
  const { rows } = await db.query<{ items: string; fetched: number; has_images: boolean; last_comment_count: number | null; last_created_at: Date | null; last_id: string | null }>({
    name: `posts-list-${shape}`,
    text: `SELECT '[' || COALESCE(string_agg(page.listed, ',' ORDER BY page.n) FILTER (WHERE page.n <= ${size}), '') || ']' AS items,
        count(*)::int AS fetched,
        COALESCE(bool_or(page.has_image) FILTER (WHERE page.n <= ${size}), false) AS has_images,
        max(page.comment_count) FILTER (WHERE page.n = ${size}) AS last_comment_count,
        max(page.created_at) FILTER (WHERE page.n = ${size}) AS last_created_at,
        max(page.id) FILTER (WHERE page.n = ${size}) AS last_id
      FROM (
        SELECT scanned.*, row_number() OVER (ORDER BY ${order('scanned')}) AS n
        FROM (
          SELECT p.listed, p.comment_count, p.created_at, p.id, p.has_image
          FROM posts p ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY ${order('p')} LIMIT ${size}::int + 1
        ) scanned
      ) page`,
    values,
  });
  const row = rows[0]!;
  const more = row.fetched > query.limit && row.last_id !== null;
  return {
    items: row.items,
    hasImages: row.has_images,
    last: more ? { comment_count: row.last_comment_count!, created_at: row.last_created_at!, id: row.last_id! } : undefined,
  };
}

export interface CommentPosition {
  createdAt: Date;
  id: string;
}

export async function listComments(db: Queryable, postId: string, after: CommentPosition | undefined, limit: number): Promise<CommentRow[]> {
  const { rows } = await db.query<CommentRow>(
    after
      ? {
          name: 'comments-list-after',
          text: `SELECT ${COMMENT_COLUMNS} FROM comments c JOIN users cu ON cu.id = c.author_id
            WHERE c.post_id = $1 AND (c.created_at, c.id) < ($2, $3) ORDER BY c.created_at DESC, c.id DESC LIMIT $4`,
          values: [postId, after.createdAt, after.id, limit],
        }
      : {
          name: 'comments-list',
          text: `SELECT ${COMMENT_COLUMNS} FROM comments c JOIN users cu ON cu.id = c.author_id
            WHERE c.post_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2`,
          values: [postId, limit],
        },
  );
  return rows;
}

export async function postExists(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query({ name: 'posts-exists', text: 'SELECT 1 FROM posts WHERE id = $1', values: [id] });
  return rows.length > 0;
}

/**
 * Adds a comment, counts it on its post and puts it among the post's newest two, in one
 * statement; nothing when the post is gone. The share lock on the author's row keeps a concurrent
 * rename from missing the copy of their name (see the migration's trigger).
 */
export async function insertComment(
  client: PoolClient,
  comment: { id: string; postId: string; authorId: string; content: string; createdAt: Date },
): Promise<(CommentRow & { post_author_id: string; comment_count: number }) | undefined> {
  const { rows } = await client.query<CommentRow & { post_author_id: string; comment_count: number }>({
    name: 'comments-insert',
    text: `WITH author AS (
        SELECT id, handle, display_name FROM users WHERE id = $3 FOR SHARE
      ), post AS (
        UPDATE posts SET comment_count = comment_count + 1,
          latest_comments = posts_latest_with(latest_comments,
            posts_comment_json($1::uuid, posts.id, author.id, author.handle, author.display_name, $4::text, $5::timestamptz))
        FROM author WHERE posts.id = $2
        RETURNING posts.id, posts.author_id, posts.comment_count
      ), inserted AS (
        INSERT INTO comments (id, post_id, author_id, content, created_at) SELECT $1, post.id, $3, $4, $5 FROM post RETURNING *
      )
      SELECT c.id, c.post_id, c.author_id, author.handle AS author_handle, author.display_name AS author_display_name, c.content, c.created_at,
        post.author_id AS post_author_id, post.comment_count
      FROM inserted c JOIN post ON true JOIN author ON true`,
    values: [comment.id, comment.postId, comment.authorId, comment.content, comment.createdAt],
  });
  return rows[0];
}

/**
 * Removes a comment, uncounts it on its post and, when it was among the post's newest two,
 * refills them from the table; nothing when it is not there. The post's row is locked first, so
 * the refill's statement sees every comment committed before it (a comment being added holds
 * that lock until it commits).
 */
export async function deleteComment(client: PoolClient, postId: string, commentId: string) {
  await client.query({ name: 'posts-lock-for-comments', text: 'SELECT 1 FROM posts WHERE id = $1 FOR UPDATE', values: [postId] });
  const { rows } = await client.query<{ author_id: string; post_author_id: string; comment_count: number }>({
    name: 'comments-delete',
    text: `WITH deleted AS (
        DELETE FROM comments WHERE id = $2 AND post_id = $1 RETURNING id, author_id, post_id
      ), post AS (
        UPDATE posts SET comment_count = comment_count - 1,
          latest_comments = CASE WHEN latest_comments::jsonb @> jsonb_build_array(jsonb_build_object('id', deleted.id))
            THEN posts_latest_comments(posts.id, deleted.id) ELSE latest_comments END
        FROM deleted WHERE posts.id = deleted.post_id
        RETURNING posts.comment_count, posts.author_id
      )
      SELECT deleted.author_id, post.author_id AS post_author_id, post.comment_count FROM deleted, post`,
    values: [postId, commentId],
  });
  return rows[0];
}

/** Who may delete a comment besides an admin: its author and the post's author. */
export async function commentOwners(db: Queryable, commentId: string): Promise<string[] | undefined> {
  const { rows } = await db.query<{ comment_author: string; post_author: string }>({
    name: 'comments-owners',
    text: `SELECT c.author_id AS comment_author, p.author_id AS post_author FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1`,
    values: [commentId],
  });
  return rows[0] ? [rows[0].comment_author, rows[0].post_author] : undefined;
}

/** Adds gathered reads to their posts, many posts in one statement. */
export async function addViews(db: Queryable, views: ReadonlyMap<string, number>): Promise<void> {
  if (views.size === 0) return;
  await db.query({
    name: 'posts-add-views',
    text: `UPDATE posts SET view_count = view_count + v.n FROM unnest($1::text[], $2::bigint[]) AS v(id, n) WHERE posts.id = v.id`,
    values: [[...views.keys()], [...views.values()]],
  });
}
