import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { textStatistics, type TextStatistics } from '../../src/index.js';
import { seededRandom } from './event-history.js';

const SOURCE = '/herald/api';

/** A post as the post events carry it. */
export interface PostState {
  id: string;
  author_id: string;
  blog_id: string | null;
  title: string;
  content: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export function postState(overrides: Partial<PostState> & { id?: string; at?: Date } = {}): PostState {
  const at = (overrides.at ?? new Date('2025-03-01T10:00:00.000Z')).toISOString();
  return {
    id: overrides.id ?? `p-${randomUUID().slice(0, 8)}`,
    author_id: overrides.author_id ?? randomUUID(),
    blog_id: overrides.blog_id ?? null,
    title: overrides.title ?? '',
    content: overrides.content ?? 'Hello, world',
    created_at: overrides.created_at ?? at,
    updated_at: overrides.updated_at ?? at,
    version: overrides.version ?? 1,
  };
}

/** The fields of a post the events carry, and nothing else. */
const snapshot = ({ id, author_id, blog_id, title, content, created_at, updated_at, version }: PostState): PostState =>
  ({ id, author_id, blog_id, title, content, created_at, updated_at, version });

export const postCreated = (post: PostState) =>
  createEvent({ type: 'PostCreated', subject: post.id, source: SOURCE, time: new Date(post.updated_at), data: { post: snapshot(post) } });

export const postUpdated = (post: PostState, changed: Array<'title' | 'content'> = ['content']) =>
  createEvent({ type: 'PostUpdated', subject: post.id, source: SOURCE, time: new Date(post.updated_at), data: { post: snapshot(post), changed } });

export const postDeleted = (post: PostState, at: Date) =>
  createEvent({
    type: 'PostDeleted',
    subject: post.id,
    source: SOURCE,
    time: at,
    data: { post_id: post.id, author_id: post.author_id, blog_id: post.blog_id, version: post.version, deleted_at: at.toISOString() },
  });

export const commentAdded = (post: PostState, commentCount: number, at: Date) =>
  createEvent({
    type: 'CommentAdded',
    subject: post.id,
    source: SOURCE,
    time: at,
    data: {
      comment: { id: randomUUID(), post_id: post.id, author_id: randomUUID(), content: 'Nice post!', created_at: at.toISOString() },
      post_author_id: post.author_id,
      comment_count: commentCount,
    },
  });

/** Contents that exercise the word rules: punctuation, joiners, digits, marks, other scripts, emoji, no words at all. */
const CONTENTS = [
  ',,,dwhuw dhuwhdihu wjfiej,,',
  "Don't panic: it's only a well-known test.",
  'Ünïcödé, naïve café — cafe\u0301 too!',
  '東京タワーに行った。你好，世界。',
  'Version 2.0.1 ships on 2025-03-01 (R2-D2 approved).',
  "'quoted' -- dashed -- rock 'n' roll",
  '👍🏽 🎉 ♥️',
  '...',
  'नमस्ते दुनिया, שָׁלוֹם',
  'a',
  'x'.repeat(1000),
  'word '.repeat(199) + 'end',
];

export interface PostHistoryOptions {
  seed: number;
  /** Writes to simulate: creations, edits, deletions, comments. */
  writes: number;
  start: Date;
  /** Ids to draw from: few ids make deleted posts' ids come back as new posts. */
  ids?: number;
}

/**
 * Simulates the API's post writes in commit order, with the events it would publish: posts created
 * under a few client-chosen ids (so that an id deleted is sometimes taken again by a new post),
 * edits of content or title (each a new version), comments, and deletions. Times strictly increase.
 */
export function generatePostHistory(options: PostHistoryOptions): HeraldEvent[] {
  const random = seededRandom(options.seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const ids = Array.from({ length: options.ids ?? 40 }, (_, n) => `post-${n}`);
  const live = new Map<string, PostState & { comments: number }>();
  const events: HeraldEvent[] = [];
  let clock = options.start.getTime();
  const mixed = () => {
    const parts = Array.from({ length: int(1, 4) }, () => pick(CONTENTS));
    return parts.join(pick([' ', '\n', ''])).slice(0, 1000).trim() || 'fallback';
  };

  for (let n = 0; n < options.writes; n += 1) {
    clock += int(1, 5_000);
    const at = new Date(clock);
    const roll = random();
    const free = ids.filter((id) => !live.has(id));
    if (live.size === 0 || (roll < 0.3 && free.length > 0)) {
      if (free.length === 0) continue;
      const post = { ...postState({ id: pick(free), content: mixed(), at }), comments: 0 };
      live.set(post.id, post);
      events.push(postCreated(post));
      continue;
    }
    const post = pick([...live.values()]);
    if (roll < 0.6) {
      const changed: Array<'title' | 'content'> = random() < 0.8 ? ['content'] : ['title'];
      const next = {
        ...post,
        ...(changed[0] === 'content' ? { content: mixed() } : { title: `Title ${n}` }),
        updated_at: at.toISOString(),
        version: post.version + 1,
      };
      live.set(post.id, next);
      events.push(postUpdated(next, changed));
    } else if (roll < 0.85) {
      post.comments += 1;
      events.push(commentAdded(post, post.comments, at));
    } else {
      live.delete(post.id);
      events.push(postDeleted(post, at));
    }
  }
  return events;
}

/**
 * The figures, the plainest way: walk the events in commit order keeping each live post's latest
 * content and version, then count each content with the pure function. No versions compared, no
 * SQL: if the read model and this disagree, the read model is wrong.
 */
export function foldPostStats(events: readonly HeraldEvent[]): Map<string, TextStatistics & { post_version: number }> {
  const posts = new Map<string, { content: string; version: number }>();
  for (const event of events) {
    if (event.type === 'PostCreated' || event.type === 'PostUpdated') posts.set(event.data.post.id, { content: event.data.post.content, version: event.data.post.version });
    else if (event.type === 'PostDeleted') posts.delete(event.data.post_id);
  }
  return new Map([...posts].map(([id, post]) => [id, { ...textStatistics(post.content), post_version: post.version }]));
}
