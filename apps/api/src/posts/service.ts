import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import type { Principal } from '../auth/principal.js';
import type { Pool } from '../db/pool.js';
import { HttpProblem, notFound, type FieldError } from '../errors.js';
import { ifMatchSatisfied } from '../lib/etag.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import { decodeCommentCursor, decodePostCursor, encodeCommentCursor, encodePostCursor } from './cursor.js';
import * as repository from './repository.js';
import { toComment, toPost, toSnapshot, type Comment, type Post, type PostRow } from './representation.js';
import type { ViewCounter } from './views.js';
import type { ImageDeclaration, ImageService } from '../images/service.js';

/** Ids that name routes of their own (`/api/v1/posts/stats`, `/api/v1/posts/create_post`). */
export const RESERVED_POST_IDS: ReadonlySet<string> = new Set(['stats', 'create_post']);
export const MAX_CONTENT = 1000;
export const MAX_COMMENT = 255;
const POST_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface PostInput {
  id?: string;
  title?: string;
  content: string;
  /** An image to upload straight to storage after the post is created. */
  image?: ImageDeclaration;
}

export interface PostPage {
  items: Post[];
  next_cursor: string | null;
}

export interface CommentPage {
  items: Comment[];
  next_cursor: string | null;
}

export interface ListQuery {
  sort?: repository.PostSort;
  author?: string;
  blog?: string;
  limit?: number;
  cursor?: string;
}

/** Characters, as a person counts them: code points, not UTF-16 units or bytes. */
export const characters = (text: string) => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/**
 * The text rules that JSON Schema cannot state (lengths after trimming), checked in one place for
 * every way a post is written (alone, in a blog, through the deprecated alias). `at` is the
 * field's path in the request body (`content`, `posts[3].content`).
 */
export function normalizePost(input: PostInput, at = ''): { id?: string; title: string; content: string; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const id = input.id?.trim();
  if (id !== undefined && (!POST_ID.test(id) || RESERVED_POST_IDS.has(id))) {
    errors.push({ in: 'body', field: `${at}id`, message: RESERVED_POST_IDS.has(id) ? `"${id}" is reserved` : 'must be 1 to 64 letters, digits, _ or -' });
  }
  const content = input.content.trim();
  const length = characters(content);
  if (length === 0 || length > MAX_CONTENT) {
    errors.push({ in: 'body', field: `${at}content`, message: `must be 1 to ${MAX_CONTENT} characters after trimming surrounding whitespace (it has ${length})` });
  }
  return { ...(id !== undefined ? { id } : {}), title: (input.title ?? '').trim(), content, errors };
}

export const invalidFields = (errors: FieldError[]) =>
  new HttpProblem('HERALD_VALIDATION_FAILED', errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);

export interface PostService {
  /** Writes a post, in the blog `blogId` when given (the blogs feature checks that its author owns it). */
  create(author: Principal, input: PostInput, blogId?: string): Promise<{ post: Post; created: boolean }>;
  get(id: string): Promise<Post>;
  list(query: ListQuery): Promise<PostPage>;
  /**
   * The same page as the JSON text of the contract's PostPage, sent as it is. Listings show the
   * view counts written so far (they lag by up to one flush), not this instance's pending reads.
   */
  listJson(query: ListQuery): Promise<string>;
  update(id: string, change: { title?: string; content?: string }, ifMatch: string | undefined): Promise<Post>;
  remove(id: string, ifMatch: string | undefined): Promise<void>;
  addComment(author: Principal, postId: string, content: string): Promise<Comment>;
  listComments(postId: string, query: { limit?: number; cursor?: string }): Promise<CommentPage>;
  deleteComment(by: Principal, postId: string, commentId: string): Promise<void>;
  authorOf(id: string): Promise<string | undefined>;
  commentOwners(commentId: string): Promise<string[] | undefined>;
}

export function createPostService({
  pool,
  unitOfWork,
  eventSource,
  views,
  images,
}: {
  pool: Pool;
  unitOfWork: UnitOfWork;
  eventSource: string;
  views: ViewCounter;
  /** Image posts; without it, a post declaring an image is refused. */
  images?: ImageService;
}): PostService {
  /**
   * The rows as posts, with their images (a ready one with a fresh presigned URL). Only posts
   * created with an image cost a lookup: a page of text posts is the one query that read it.
   */
  async function postsOf(rows: PostRow[]): Promise<Post[]> {
    const posts = rows.map((row) => toPost(row, views.pending(row.id)));
    return images ? images.withImages(posts, rows.filter((row) => row.has_image).map((row) => row.id)) : posts;
  }

  /** A post being created with an image: the post, its image row and PostCreated in one transaction; the upload presigned after. */
  async function createWithImage(author: Principal, id: string, image: ImageDeclaration, snapshot: repository.NewPost, event: HeraldEvent) {
    if (!images) throw invalidFields([{ in: 'body', field: 'image', message: 'image uploads are not available on this server' }]);
    const written = await unitOfWork.run(async (client) => {
      const { rows } = await client.query<{ id: string; author_display_name: string }>({
        name: 'posts-insert',
        text: repository.insertPostSql,
        values: repository.insertPostValues(snapshot),
      });
      if (!rows[0]) return { result: undefined, events: [] as HeraldEvent[] };
      const row = await images.declare(client, { postId: id, authorId: author.userId, image, at: snapshot.createdAt });
      return { result: { displayName: rows[0].author_display_name, row }, events: [event] };
    });
    if (!written) return undefined;
    const upload = await images.uploadFor(written.row);
    return { displayName: written.displayName, image: { status: 'pending' as const }, ...(upload ? { upload } : {}) };
  }

  const preconditionFailed = (id: string, version: number) =>
    new HttpProblem('HERALD_PRECONDITION_FAILED', `post ${id} is at version ${version}; If-Match does not match it`);

  async function read(id: string): Promise<Post> {
    const row = await repository.findPost(pool, id);
    if (!row) throw notFound('post', id);
    const [post] = await postsOf([row]);
    return post!;
  }

  /** A page of posts as the JSON text of the contract's PostPage (see PostService.listJson). */
  async function listJson({ sort = 'recent', author, blog, limit = 20, cursor }: ListQuery): Promise<string> {
    const after = cursor === undefined ? undefined : decodePostCursor(cursor);
    const page = await repository.listPostsJson(pool, { sort, limit, ...(author ? { authorId: author } : {}), ...(blog ? { blogId: blog } : {}), ...(after ? { after } : {}) });
    const nextCursor = JSON.stringify(page.last ? encodePostCursor(page.last) : null);
    if (!(images && page.hasImages)) return `{"items":${page.items},"next_cursor":${nextCursor}}`;
    // A page with image posts: their images (fresh presigned URLs) go in; one lookup for the page.
    return `{"items":${JSON.stringify(await images.withImages(JSON.parse(page.items) as Post[]))},"next_cursor":${nextCursor}}`;
  }

  return {
    async create(author, input, blogId) {
      const { id: chosen, title, content, errors } = normalizePost(input);
      if (errors.length > 0) throw invalidFields(errors);
      const id = chosen ?? uuidv7();
      const at = new Date();
      const blog_id = blogId ?? null;
      const snapshot = { id, author_id: author.userId, blog_id, title, content, created_at: at, updated_at: at, version: 1 };
      if (input.image) {
        const event = createEvent({ id: uuidv7(), type: 'PostCreated', subject: id, source: eventSource, time: at, data: { post: toSnapshot(snapshot) } });
        const withImage = await createWithImage(author, id, input.image, { id, authorId: author.userId, blogId: blog_id, title, content, createdAt: at, hasImage: true }, event);
        if (withImage) {
          const { displayName, ...image } = withImage;
          const post = toPost({ ...snapshot, author_handle: author.handle, author_display_name: displayName, comment_count: 0, view_count: 0, latest_comments: [] });
          return { post: { ...post, ...image }, created: true };
        }
      }
      const rows = input.image ? [] : await unitOfWork.writeOne<{ id: string; author_display_name: string }>({
        name: 'posts-insert',
        sql: repository.insertPostSql,
        values: repository.insertPostValues({ id, authorId: author.userId, blogId: blog_id, title, content, createdAt: at }),
        events: [createEvent({ id: uuidv7(), type: 'PostCreated', subject: id, source: eventSource, time: at, data: { post: toSnapshot(snapshot) } })],
      });
      if (rows[0]) {
        const post = toPost({ ...snapshot, author_handle: author.handle, author_display_name: rows[0].author_display_name, comment_count: 0, view_count: 0, latest_comments: [] });
        return { post, created: true };
      }
      // The id exists: a retry of the same creation gets the post, anything else is a conflict.
      const existing = await repository.findPost(pool, id);
      if (existing && existing.author_id === author.userId && existing.blog_id === blog_id && existing.title === title && existing.content === content) {
        const [post] = await postsOf([existing]);
        // A retry of a creation with an image gets the upload again while it is still awaited.
        const row = images && input.image ? await images.findRow(id) : undefined;
        const upload = row ? await images!.uploadFor(row) : undefined;
        return { post: { ...post!, ...(upload ? { upload } : {}) }, created: false };
      }
      throw new HttpProblem('HERALD_DUPLICATE_POST_ID', `a different post with the id ${id} exists`, [
        { in: 'body', field: 'id', message: 'is taken by a different post' },
      ]);
    },

    async get(id) {
      const post = await read(id);
      views.count(id);
      return { ...post, view_count: post.view_count + 1 };
    },

    listJson,

    async list(query) {
      return JSON.parse(await listJson(query)) as PostPage;
    },

    async update(id, change, ifMatch) {
      const errors: FieldError[] = [];
      const title = change.title?.trim();
      let content: string | undefined;
      if (change.content !== undefined) {
        const normalized = normalizePost({ content: change.content });
        errors.push(...normalized.errors);
        content = normalized.content;
      }
      if (errors.length > 0) throw invalidFields(errors);
      await unitOfWork.run(async (client) => {
        const before = await repository.lockPost(client, id);
        if (!before) throw notFound('post', id);
        if (!ifMatchSatisfied(ifMatch, before.version)) throw preconditionFailed(id, before.version);
        const changed = [
          ...(title !== undefined && title !== before.title ? (['title'] as const) : []),
          ...(content !== undefined && content !== before.content ? (['content'] as const) : []),
        ];
        if (changed.length === 0) return { result: undefined, events: [] as HeraldEvent[] };
        const after = await repository.updatePost(client, id, { ...(changed.includes('title') ? { title } : {}), ...(changed.includes('content') ? { content } : {}) }, new Date());
        const event = createEvent({ id: uuidv7(), type: 'PostUpdated', subject: id, source: eventSource, time: after.updated_at, data: { post: toSnapshot(after), changed } });
        return { result: undefined, events: [event] };
      });
      return read(id);
    },

    async remove(id, ifMatch) {
      await unitOfWork.run(async (client) => {
        const row = await repository.lockPost(client, id);
        if (!row) throw notFound('post', id);
        if (!ifMatchSatisfied(ifMatch, row.version)) throw preconditionFailed(id, row.version);
        await repository.deletePost(client, id);
        const at = new Date();
        const event = createEvent({
          id: uuidv7(),
          type: 'PostDeleted',
          subject: id,
          source: eventSource,
          time: at,
          data: { post_id: id, author_id: row.author_id, blog_id: row.blog_id, version: row.version, deleted_at: at.toISOString() },
        });
        return { result: undefined, events: [event] };
      });
      views.forget(id);
      // Its image's objects are queued for removal by the delete itself (a trigger on post_images);
      // the images feature removes them when it sees PostDeleted, or on its next sweep.
    },

    async addComment(author, postId, text) {
      const content = text.trim();
      const length = characters(content);
      if (length === 0 || length > MAX_COMMENT) {
        throw invalidFields([{ in: 'body', field: 'content', message: `must be 1 to ${MAX_COMMENT} characters after trimming surrounding whitespace (it has ${length})` }]);
      }
      return unitOfWork.run(async (client) => {
        const row = await repository.insertComment(client, { id: uuidv7(), postId, authorId: author.userId, content, createdAt: new Date() });
        if (!row) throw notFound('post', postId);
        const comment = toComment(row);
        const event = createEvent({
          id: uuidv7(),
          type: 'CommentAdded',
          subject: postId,
          source: eventSource,
          time: row.created_at,
          data: {
            comment: { id: comment.id, post_id: postId, author_id: comment.author_id, content: comment.content, created_at: comment.created_at },
            post_author_id: row.post_author_id,
            comment_count: row.comment_count,
          },
        });
        return { result: comment, events: [event] };
      });
    },

    async listComments(postId, { limit = 20, cursor }) {
      const after = cursor === undefined ? undefined : decodeCommentCursor(cursor);
      const rows = await repository.listComments(pool, postId, after, limit + 1);
      if (rows.length === 0 && !(await repository.postExists(pool, postId))) throw notFound('post', postId);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(toComment), next_cursor: rows.length > limit && last ? encodeCommentCursor(last) : null };
    },

    async deleteComment(by, postId, commentId) {
      await unitOfWork.run(async (client) => {
        const row = await repository.deleteComment(client, postId, commentId);
        if (!row) throw notFound('comment', commentId);
        const at = new Date();
        const event = createEvent({
          id: uuidv7(),
          type: 'CommentDeleted',
          subject: postId,
          source: eventSource,
          time: at,
          data: { comment_id: commentId, post_id: postId, author_id: row.author_id, post_author_id: row.post_author_id, deleted_by: by.userId, comment_count: row.comment_count, deleted_at: at.toISOString() },
        });
        return { result: undefined, events: [event] };
      });
    },

    authorOf: (id) => repository.authorOf(pool, id),
    commentOwners: (commentId) => repository.commentOwners(pool, commentId),
  };
}
