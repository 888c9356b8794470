import { createEvent, type EventData, type HeraldEvent } from '@herald/event-schemas';
import type { Principal } from '../auth/principal.js';
import { pgErrorCode, type Pool } from '../db/pool.js';
import { HttpProblem, notFound, type FieldError } from '../errors.js';
import { ifMatchSatisfied } from '../lib/etag.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import { insertPosts, type NewPost } from '../posts/repository.js';
import type { Post } from '../posts/representation.js';
import { toSnapshot as toPostSnapshot } from '../posts/representation.js';
import { invalidFields, normalizePost, type PostInput, type PostService } from '../posts/service.js';
import { decodeBlogCursor, encodeBlogCursor } from './cursor.js';
import * as repository from './repository.js';
import { toBlog, toSnapshot, type Blog, type BlogPage } from './representation.js';
import type { BlogFields } from './repository.js';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const DEADLOCK_DETECTED = '40P01';
/** The posts table's primary key, as a unique violation names it. */
const POST_ID_CONSTRAINT = 'posts_pkey';

export interface BlogInput {
  name: string;
  slug: string;
  description?: string;
  posts?: PostInput[];
}

export type BlogChange = Partial<BlogFields>;

/** What a read may bring along with the blog. */
export type BlogInclude = 'posts' | undefined;

export interface BlogService {
  create(owner: Principal, input: BlogInput): Promise<Blog>;
  get(id: string, include: BlogInclude): Promise<Blog>;
  getBySlug(slug: string, include: BlogInclude): Promise<Blog>;
  list(query: { owner?: string; limit?: number; cursor?: string }): Promise<BlogPage>;
  update(id: string, change: BlogChange, ifMatch: string | undefined): Promise<Blog>;
  remove(id: string, ifMatch: string | undefined): Promise<void>;
  /** A post in the blog, by the posts feature's rules (retry-safe with a client-chosen id). */
  addPost(author: Principal, blogId: string, input: PostInput): Promise<{ post: Post; created: boolean }>;
  ownerOf(id: string): Promise<string | undefined>;
}

const duplicateSlug = (slug: string, others: FieldError[] = [], cause?: unknown) =>
  new HttpProblem('HERALD_DUPLICATE_SLUG', `the slug ${slug} is used by another blog`, [{ in: 'body', field: 'slug', message: 'is used by another blog' }, ...others], { cause });

const takenPostIds = (indexes: number[]): FieldError[] =>
  indexes.map((i) => ({ in: 'body', field: `posts[${i}].id`, message: 'is taken by an existing post' }));

/** `Key (id)=(x) already exists.`: the id a unique violation on the posts' key names. */
const keyOf = (error: unknown) => /^Key \(id\)=\((.*)\) already exists\.$/.exec(String((error as { detail?: unknown }).detail ?? ''))?.[1];
const constraintOf = (error: unknown) => (error as { constraint?: unknown }).constraint;

/**
 * Blogs: each write runs in the shared unit of work, with its events. Posts are the posts
 * feature's: a blog's posts are checked by its rules (`normalizePost`), written by its repository
 * and listed by its service, so a post is the same whichever way it was written.
 */
export function createBlogService({ pool, unitOfWork, eventSource, posts }: { pool: Pool; unitOfWork: UnitOfWork; eventSource: string; posts: PostService }): BlogService {
  const event = <T extends HeraldEvent['type']>(type: T, subject: string, time: Date, data: EventData<T>) =>
    createEvent<T>({ id: uuidv7(), type, subject, source: eventSource, time, data });

  const preconditionFailed = (id: string, version: number) =>
    new HttpProblem('HERALD_PRECONDITION_FAILED', `blog ${id} is at version ${version}; If-Match does not match it`);

  async function withIncluded(row: repository.BlogRow | undefined, what: string, include: BlogInclude): Promise<Blog> {
    if (!row) throw notFound('blog', what);
    const blog = toBlog(row);
    // The posts listing's own first page: its next_cursor continues with GET /api/v1/posts?blog=.
    return include === 'posts' ? { ...blog, posts: await posts.list({ sort: 'recent', blog: row.id }) } : blog;
  }

  return {
    async create(owner, input) {
      const given = input.posts ?? [];
      const normalized = given.map((post, i) => normalizePost(post, `posts[${i}].`));
      const errors = normalized.flatMap((post) => post.errors);
      if (errors.length > 0) throw invalidFields(errors);
      // Two posts of one request under one id conflict with each other, as with an existing post.
      const firstWithId = new Map<string, number>();
      const repeated: FieldError[] = [];
      normalized.forEach((post, i) => {
        if (post.id === undefined) return;
        const first = firstWithId.get(post.id);
        if (first === undefined) firstWithId.set(post.id, i);
        else repeated.push({ in: 'body', field: `posts[${i}].id`, message: `repeats posts[${first}].id` });
      });
      if (repeated.length > 0) {
        throw new HttpProblem('HERALD_DUPLICATE_POST_ID', repeated.map((e) => `${e.field} ${e.message}`).join('; '), repeated);
      }

      const at = new Date();
      const blog = { id: uuidv7(), owner_id: owner.userId, name: input.name.trim(), slug: input.slug, description: (input.description ?? '').trim(), created_at: at, updated_at: at, version: 1 };
      const newPosts: NewPost[] = normalized.map((post) => ({ id: post.id ?? uuidv7(), authorId: owner.userId, blogId: blog.id, title: post.title, content: post.content, createdAt: at }));
      const events: HeraldEvent[] = [
        event('BlogCreated', blog.id, at, { blog: toSnapshot(blog) }),
        ...newPosts.map((post) =>
          event('PostCreated', post.id, at, {
            post: toPostSnapshot({ id: post.id, author_id: post.authorId, blog_id: blog.id, title: post.title, content: post.content, created_at: at, updated_at: at, version: 1 }),
          }),
        ),
      ];
      const ids = newPosts.map((post) => post.id);
      const created = await unitOfWork.run(async (client) => {
        // Every conflict at once, rather than the first statement's failure.
        const taken = await repository.takenPostIds(client, ids);
        const takenAt = takenPostIds(ids.flatMap((id, i) => (taken.has(id) ? [i] : [])));
        if (await repository.slugTaken(client, blog.slug)) throw duplicateSlug(blog.slug, takenAt);
        if (takenAt.length > 0) throw new HttpProblem('HERALD_DUPLICATE_POST_ID', `${takenAt.length} of the posts have ids taken by existing posts`, takenAt);
        try {
          await repository.insertBlog(client, blog);
          await insertPosts(client, newPosts);
        } catch (error) {
          // Taken by a concurrent write since the check above.
          if (pgErrorCode(error) === UNIQUE_VIOLATION && constraintOf(error) === repository.SLUG_CONSTRAINT) throw duplicateSlug(blog.slug, [], error);
          if (pgErrorCode(error) === UNIQUE_VIOLATION && constraintOf(error) === POST_ID_CONSTRAINT) {
            const index = ids.indexOf(keyOf(error) ?? '');
            throw new HttpProblem('HERALD_DUPLICATE_POST_ID', 'a post id is taken by an existing post', index >= 0 ? takenPostIds([index]) : [], { cause: error });
          }
          throw error;
        }
        // Read back: post_count is the trigger's count, not a figure computed here.
        return { result: (await repository.findBlog(client, blog.id))!, events };
      });
      // A new blog's posts are exactly those just written (at most 100: one page).
      return input.posts === undefined ? toBlog(created) : { ...toBlog(created), posts: await posts.list({ sort: 'recent', blog: blog.id, limit: 100 }) };
    },

    get: async (id, include) => withIncluded(await repository.findBlog(pool, id), id, include),

    getBySlug: async (slug, include) => withIncluded(await repository.findBlogBySlug(pool, slug), slug, include),

    async list({ owner, limit = 20, cursor }) {
      const after = cursor === undefined ? undefined : decodeBlogCursor(cursor);
      // One extra row tells whether another page exists without a second query.
      const rows = await repository.listBlogs(pool, { limit: limit + 1, ...(owner ? { ownerId: owner } : {}), ...(after ? { after } : {}) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(toBlog), next_cursor: rows.length > limit && last ? encodeBlogCursor(last) : null };
    },

    async update(id, change, ifMatch) {
      const requested: BlogChange = {
        ...(change.name !== undefined ? { name: change.name.trim() } : {}),
        ...(change.slug !== undefined ? { slug: change.slug } : {}),
        ...(change.description !== undefined ? { description: change.description.trim() } : {}),
      };
      return unitOfWork.run(async (client) => {
        const before = await repository.lockBlogForEdit(client, id);
        if (!before) throw notFound('blog', id);
        if (!ifMatchSatisfied(ifMatch, before.version)) throw preconditionFailed(id, before.version);
        const changed = (['name', 'slug', 'description'] as const).filter((field) => requested[field] !== undefined && requested[field] !== before[field]);
        if (changed.length === 0) return { result: toBlog(before), events: [] as HeraldEvent[] };
        let after: repository.BlogRow;
        try {
          after = await repository.updateBlog(client, id, Object.fromEntries(changed.map((field) => [field, requested[field]])), new Date());
        } catch (error) {
          if (pgErrorCode(error) === UNIQUE_VIOLATION && constraintOf(error) === repository.SLUG_CONSTRAINT) throw duplicateSlug(requested.slug!, [], error);
          throw error;
        }
        return { result: toBlog(after), events: [event('BlogUpdated', id, after.updated_at, { blog: toSnapshot(after), changed })] };
      });
    },

    async remove(id, ifMatch) {
      const removeOnce = () =>
        unitOfWork.run(async (client) => {
          const blog = await repository.lockBlogForDeletion(client, id);
          if (!blog) throw notFound('blog', id);
          if (!ifMatchSatisfied(ifMatch, blog.version)) throw preconditionFailed(id, blog.version);
          const removed = await repository.deletePostsOfBlog(client, id);
          await repository.deleteBlog(client, id);
          const at = new Date();
          const deletedAt = at.toISOString();
          const events: HeraldEvent[] = [
            ...removed.map((post) => event('PostDeleted', post.id, at, { post_id: post.id, author_id: post.author_id, blog_id: id, version: post.version, deleted_at: deletedAt })),
            event('BlogDeleted', id, at, { blog_id: id, owner_id: blog.owner_id, version: blog.version, deleted_at: deletedAt }),
          ];
          return { result: undefined, events };
        });
      // A post added to the blog between the locks of its posts and of the blog, and deleted
      // meanwhile through the posts feature, can make PostgreSQL break a lock cycle by aborting
      // this transaction: nothing was written, so it is run again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await removeOnce();
        } catch (error) {
          if (pgErrorCode(error) !== DEADLOCK_DETECTED || attempt === 3) throw error;
        }
      }
    },

    async addPost(author, blogId, input) {
      try {
        return await posts.create(author, input, blogId);
      } catch (error) {
        // The blog was deleted after its ownership was checked.
        if (pgErrorCode(error) === FOREIGN_KEY_VIOLATION && constraintOf(error) === repository.POST_BLOG_CONSTRAINT) throw notFound('blog', blogId);
        throw error;
      }
    },

    ownerOf: (id) => repository.ownerOf(pool, id),
  };
}
