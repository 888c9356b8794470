/**
 * The posts endpoints of the fake API, in memory: the posts listing (recent or most commented,
 * each post with its two newest comments), a post's comments, its statistics (202 with
 * Retry-After until they are "computed", a moment after each write, then 200) and users by id.
 * Writes publish the contract's own events. For browser tests only; the real API is the reference.
 */
import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import type { FakeUser } from './fake-auth.js';

const SOURCE = '/herald/api';

export interface FakeComment {
  id: string;
  post_id: string;
  author_id: string;
  content: string;
  created_at: string;
}

export interface FakePost {
  id: string;
  author_id: string;
  blog_id: string | null;
  title: string;
  content: string;
  view_count: number;
  comments: FakeComment[];
  created_at: string;
  updated_at: string;
  version: number;
  /** When the statistics of this version are "computed". */
  statsReadyAt: number;
}

export interface FakePostsOptions {
  users: readonly FakeUser[];
  publish(event: HeraldEvent): void;
  /** How long after a write the post's statistics answer 200 (202 until then); 'missing': always 404. */
  statsDelayMs?: number | 'missing';
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakePosts {
  posts: FakePost[];
  /** `silently`: stored without its event, as if it had been missed. */
  createPost(input: { id?: string; title?: string; content: string; author?: string }, options?: { silently?: boolean }): FakePost;
  editPost(id: string, changes: { title?: string; content?: string }): FakePost;
  deletePost(id: string): void;
  addComment(postId: string, content: string, author?: string, options?: { silently?: boolean }): FakeComment;
  deleteComment(postId: string, commentId: string): void;
  /** Answers the posts and users endpoints; undefined for any other request. */
  handle(method: string, url: URL): FakeReply | undefined;
}

/** Words are maximal runs of letters and digits; an apostrophe or a hyphen inside one belongs to it. */
export function textStatistics(content: string): { word_count: number; avg_word_length: number; char_count: number } {
  const words = content.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
  const letters = words.reduce((n, w) => n + Array.from(w).length, 0);
  return {
    word_count: words.length,
    avg_word_length: words.length === 0 ? 0 : Math.round((letters / words.length) * 100) / 100,
    char_count: Array.from(content).length,
  };
}

export function createFakePosts({ users, publish, statsDelayMs = 1500 }: FakePostsOptions): FakePosts {
  const posts: FakePost[] = [];
  const user = (handle: string | undefined) => {
    const found = users.find((u) => u.handle === (handle ?? 'alice'));
    if (!found) throw new Error(`no user ${handle}`);
    return found;
  };
  const summary = (id: string) => {
    const u = users.find((x) => x.id === id);
    return { id, handle: u?.handle ?? 'unknown', display_name: '' };
  };
  const find = (id: string) => {
    const post = posts.find((p) => p.id === id);
    if (!post) throw new Error(`no post ${id}`);
    return post;
  };
  const snapshot = (p: FakePost) => ({
    id: p.id,
    author_id: p.author_id,
    blog_id: p.blog_id,
    title: p.title,
    content: p.content,
    created_at: p.created_at,
    updated_at: p.updated_at,
    version: p.version,
  });
  const comment = (c: FakeComment) => ({ ...c, author: summary(c.author_id) });
  const newestFirst = (a: { created_at: string; id: string }, b: { created_at: string; id: string }) =>
    b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
  const representation = (p: FakePost) => ({
    ...snapshot(p),
    author: summary(p.author_id),
    comment_count: p.comments.length,
    view_count: p.view_count,
    latest_comments: [...p.comments].sort(newestFirst).slice(0, 2).map(comment),
  });
  const statsDelay = () => (statsDelayMs === 'missing' ? 0 : statsDelayMs);
  // Each write gets a later time than the one before, so the order is the order of writes.
  let last = 0;
  const now = () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last).toISOString();
  };

  return {
    posts,
    createPost(input, { silently = false } = {}) {
      const at = now();
      const post: FakePost = {
        id: input.id ?? randomUUID(),
        author_id: user(input.author).id,
        blog_id: null,
        title: input.title ?? '',
        content: input.content,
        view_count: 0,
        comments: [],
        created_at: at,
        updated_at: at,
        version: 1,
        statsReadyAt: Date.now() + statsDelay(),
      };
      posts.push(post);
      if (!silently) publish(createEvent({ type: 'PostCreated', subject: post.id, source: SOURCE, data: { post: snapshot(post) } }));
      return post;
    },
    editPost(id, changes) {
      const post = find(id);
      const changed = (['title', 'content'] as const).filter((k) => changes[k] !== undefined && changes[k] !== post[k]);
      Object.assign(post, changes, { version: post.version + 1, updated_at: now(), statsReadyAt: Date.now() + statsDelay() });
      publish(createEvent({ type: 'PostUpdated', subject: id, source: SOURCE, data: { post: snapshot(post), changed: changed.length > 0 ? changed : ['content'] } }));
      return post;
    },
    deletePost(id) {
      const post = find(id);
      posts.splice(posts.indexOf(post), 1);
      publish(
        createEvent({
          type: 'PostDeleted',
          subject: id,
          source: SOURCE,
          data: { post_id: id, author_id: post.author_id, blog_id: post.blog_id, version: post.version, deleted_at: now() },
        }),
      );
    },
    addComment(postId, content, author, { silently = false } = {}) {
      const post = find(postId);
      const c: FakeComment = { id: randomUUID(), post_id: postId, author_id: user(author).id, content, created_at: now() };
      post.comments.push(c);
      if (!silently) {
        publish(
          createEvent({
            type: 'CommentAdded',
            subject: postId,
            source: SOURCE,
            data: { comment: c, post_author_id: post.author_id, comment_count: post.comments.length },
          }),
        );
      }
      return c;
    },
    deleteComment(postId, commentId) {
      const post = find(postId);
      const c = post.comments.find((x) => x.id === commentId);
      if (!c) throw new Error(`no comment ${commentId}`);
      post.comments.splice(post.comments.indexOf(c), 1);
      publish(
        createEvent({
          type: 'CommentDeleted',
          subject: postId,
          source: SOURCE,
          data: {
            comment_id: commentId,
            post_id: postId,
            author_id: c.author_id,
            post_author_id: post.author_id,
            deleted_by: c.author_id,
            comment_count: post.comments.length,
            deleted_at: now(),
          },
        }),
      );
    },
    handle(method, url) {
      if (method !== 'GET') return undefined;
      const notFound = { status: 404, body: { title: 'Not Found', status: 404 } };
      if (url.pathname === '/api/v1/posts') {
        const sort = url.searchParams.get('sort') ?? 'recent';
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const ordered = [...posts].sort((a, b) => (sort === 'comments' ? b.comments.length - a.comments.length : 0) || newestFirst(a, b));
        return { status: 200, body: { items: ordered.slice(0, limit).map(representation), next_cursor: ordered.length > limit ? 'bW9yZQ' : null } };
      }
      const user = /^\/api\/v1\/users\/([^/]+)$/.exec(url.pathname);
      if (user) {
        const found = users.find((u) => u.id === decodeURIComponent(user[1]!));
        return found ? { status: 200, body: { id: found.id, handle: found.handle, display_name: '', created_at: new Date(0).toISOString() } } : notFound;
      }
      const sub = /^\/api\/v1\/posts\/([^/]+)\/(comments|stats)$/.exec(url.pathname);
      if (!sub) return undefined;
      const post = posts.find((p) => p.id === decodeURIComponent(sub[1]!));
      if (!post) return notFound;
      if (sub[2] === 'comments') {
        const limit = Number(url.searchParams.get('limit') ?? 20);
        return { status: 200, body: { items: [...post.comments].sort(newestFirst).slice(0, limit).map(comment), next_cursor: null } };
      }
      if (statsDelayMs === 'missing') return notFound;
      if (Date.now() < post.statsReadyAt) return { status: 202, headers: { 'retry-after': '1' }, body: { post_id: post.id, status: 'pending' } };
      return {
        status: 200,
        body: {
          post_id: post.id,
          post_version: post.version,
          ...textStatistics(post.content),
          comment_count: post.comments.length,
          view_count: post.view_count,
          computed_at: new Date(post.statsReadyAt).toISOString(),
        },
      };
    },
  };
}
