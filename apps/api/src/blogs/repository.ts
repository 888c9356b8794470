import type { Pool, PoolClient } from '../db/pool.js';

/** A blogs row as stored. Only SQL lives in this file. */
export interface BlogRow {
  id: string;
  owner_id: string;
  name: string;
  slug: string;
  description: string;
  post_count: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export type BlogFields = Pick<BlogRow, 'name' | 'slug' | 'description'>;

type Queryable = Pool | PoolClient;

const COLUMNS = 'id, owner_id, name, slug, description, post_count, created_at, updated_at, version';

/** Name of the unique constraint on slugs, as a unique violation reports it. */
export const SLUG_CONSTRAINT = 'blogs_slug_key';
/** Name of the posts' foreign key to blogs, as a violation reports it (the blog is gone). */
export const POST_BLOG_CONSTRAINT = 'posts_blog_id_fkey';

export async function insertBlog(client: PoolClient, blog: Omit<BlogRow, 'post_count' | 'updated_at' | 'version'>): Promise<void> {
  await client.query({
    name: 'blogs-insert',
    text: `INSERT INTO blogs (id, owner_id, name, slug, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    values: [blog.id, blog.owner_id, blog.name, blog.slug, blog.description, blog.created_at],
  });
}

export async function findBlog(db: Queryable, id: string): Promise<BlogRow | undefined> {
  const { rows } = await db.query<BlogRow>({ name: 'blogs-by-id', text: `SELECT ${COLUMNS} FROM blogs WHERE id = $1`, values: [id] });
  return rows[0];
}

export async function findBlogBySlug(db: Queryable, slug: string): Promise<BlogRow | undefined> {
  const { rows } = await db.query<BlogRow>({ name: 'blogs-by-slug', text: `SELECT ${COLUMNS} FROM blogs WHERE slug = $1`, values: [slug] });
  return rows[0];
}

export async function slugTaken(db: Queryable, slug: string): Promise<boolean> {
  const { rows } = await db.query({ name: 'blogs-slug-taken', text: 'SELECT 1 FROM blogs WHERE slug = $1', values: [slug] });
  return rows.length > 0;
}

/** Which of these post ids exist already (a blog's posts are checked all at once before it is written). */
export async function takenPostIds(db: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>({ name: 'blogs-taken-post-ids', text: 'SELECT id FROM posts WHERE id = ANY($1::text[])', values: [ids] });
  return new Set(rows.map((row) => row.id));
}

export async function ownerOf(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ owner_id: string }>({ name: 'blogs-owner', text: 'SELECT owner_id FROM blogs WHERE id = $1', values: [id] });
  return rows[0]?.owner_id;
}

/** Where a page starts: after this blog in newest-first order. */
export interface BlogPosition {
  createdAt: Date;
  id: string;
}

/**
 * One page of blogs, newest first, in keyset order. One statement per shape (owner filter or
 * not, cursor or not), each prepared under its own name so that its plan walks its index.
 */
export async function listBlogs(db: Queryable, query: { ownerId?: string; after?: BlogPosition; limit: number }): Promise<BlogRow[]> {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.ownerId) where.push(`owner_id = ${param(query.ownerId)}`);
  if (query.after) where.push(`(created_at, id) < (${param(query.after.createdAt)}, ${param(query.after.id)})`);
  const limit = param(query.limit);
  const { rows } = await db.query<BlogRow>({
    name: `blogs-list-${query.ownerId ? 'o' : ''}${query.after ? 'c' : ''}`,
    text: `SELECT ${COLUMNS} FROM blogs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    values,
  });
  return rows;
}

/**
 * The blog's row, locked for an edit in this transaction. FOR NO KEY UPDATE: posts being written
 * into the blog meanwhile (their foreign key check takes a KEY SHARE lock) are not held up.
 */
export async function lockBlogForEdit(client: PoolClient, id: string): Promise<BlogRow | undefined> {
  const { rows } = await client.query<BlogRow>({ name: 'blogs-lock-edit', text: `SELECT ${COLUMNS} FROM blogs WHERE id = $1 FOR NO KEY UPDATE`, values: [id] });
  return rows[0];
}

export async function updateBlog(client: PoolClient, id: string, change: Partial<BlogFields>, at: Date): Promise<BlogRow> {
  const { rows } = await client.query<BlogRow>({
    name: 'blogs-update',
    text: `UPDATE blogs SET name = COALESCE($2, name), slug = COALESCE($3, slug), description = COALESCE($4, description),
        updated_at = $5, version = version + 1
      WHERE id = $1
      RETURNING ${COLUMNS}`,
    values: [id, change.name ?? null, change.slug ?? null, change.description ?? null, at],
  });
  return rows[0]!;
}

/**
 * Locks the blog's posts, then the blog, for its deletion. Posts first: deleting a post locks the
 * post and then (its count) the blog, so taking them in the same order never waits in a circle.
 * The blog's lock (FOR UPDATE) then holds off new posts until the deletion ends.
 */
export async function lockBlogForDeletion(client: PoolClient, id: string): Promise<BlogRow | undefined> {
  await client.query({ name: 'blogs-lock-posts', text: 'SELECT id FROM posts WHERE blog_id = $1 ORDER BY id FOR UPDATE', values: [id] });
  const { rows } = await client.query<BlogRow>({ name: 'blogs-lock-delete', text: `SELECT ${COLUMNS} FROM blogs WHERE id = $1 FOR UPDATE`, values: [id] });
  return rows[0];
}

/** Deletes the blog's posts (their comments go with them) and returns what their PostDeleted need. */
export async function deletePostsOfBlog(client: PoolClient, blogId: string): Promise<Array<{ id: string; author_id: string; version: number }>> {
  const { rows } = await client.query<{ id: string; author_id: string; version: number }>({
    name: 'blogs-delete-posts',
    text: 'DELETE FROM posts WHERE blog_id = $1 RETURNING id, author_id, version',
    values: [blogId],
  });
  return rows;
}

export async function deleteBlog(client: PoolClient, id: string): Promise<void> {
  await client.query({ name: 'blogs-delete', text: 'DELETE FROM blogs WHERE id = $1', values: [id] });
}
