import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import type { Comment, Post, UserSummary } from '../../src/api/types.js';

const source = '/herald/api';

export function user(handle = `u${randomUUID().slice(0, 6)}`): UserSummary {
  return { id: randomUUID(), handle, display_name: '' };
}

let clock = Date.parse('2026-01-01T10:00:00.000Z');
/** A time later than every one before: posts and comments made one after the other are in that order. */
export function later(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

/** A post as the API lists it. */
export function post(overrides: Partial<Post> = {}): Post {
  const author = overrides.author ?? user('alice');
  const at = overrides.created_at ?? later();
  return {
    id: `p-${randomUUID().slice(0, 8)}`,
    author_id: author.id,
    author,
    blog_id: null,
    title: 'A title',
    content: 'Some words of content',
    comment_count: 0,
    view_count: 0,
    latest_comments: [],
    created_at: at,
    updated_at: at,
    version: 1,
    ...overrides,
  };
}

export function comment(postId: string, overrides: Partial<Comment> = {}): Comment {
  const author = overrides.author ?? user('bob');
  return { id: randomUUID(), post_id: postId, author_id: author.id, author, content: 'A comment', created_at: later(), ...overrides };
}

const snapshot = (p: Post) => ({
  id: p.id,
  author_id: p.author_id,
  blog_id: p.blog_id,
  title: p.title,
  content: p.content,
  created_at: p.created_at,
  updated_at: p.updated_at,
  version: p.version,
});

export function postCreated(p: Post): HeraldEvent {
  return createEvent({ type: 'PostCreated', subject: p.id, source, data: { post: snapshot(p) } });
}

/** `after` is the post after the edit (its version included). */
export function postUpdated(after: Post, changed: ('title' | 'content')[] = ['content']): HeraldEvent {
  return createEvent({ type: 'PostUpdated', subject: after.id, source, data: { post: snapshot(after), changed } });
}

export function postDeleted(p: Post): HeraldEvent {
  return createEvent({
    type: 'PostDeleted',
    subject: p.id,
    source,
    data: { post_id: p.id, author_id: p.author_id, blog_id: p.blog_id, version: p.version, deleted_at: later() },
  });
}

/** `count`: the post's comments after this one. */
export function commentAdded(c: Comment, count: number, postAuthorId: string = randomUUID()): HeraldEvent {
  const { author: _author, ...data } = c;
  return createEvent({ type: 'CommentAdded', subject: c.post_id, source, data: { comment: data, post_author_id: postAuthorId, comment_count: count } });
}

/** `count`: the post's comments after the deletion. */
export function commentDeleted(c: Comment, count: number, postAuthorId: string = randomUUID()): HeraldEvent {
  return createEvent({
    type: 'CommentDeleted',
    subject: c.post_id,
    source,
    data: {
      comment_id: c.id,
      post_id: c.post_id,
      author_id: c.author_id,
      post_author_id: postAuthorId,
      deleted_by: c.author_id,
      comment_count: count,
      deleted_at: later(),
    },
  });
}

export function userRegistered(u: UserSummary): HeraldEvent {
  const at = later();
  return createEvent({
    type: 'UserRegistered',
    subject: u.id,
    source,
    data: { user: { id: u.id, handle: u.handle, display_name: u.display_name, role: 'user', created_at: at, updated_at: at, version: 1 } },
  });
}
