import pg from 'pg';
import { encodePostCursor } from '../../apps/api/src/posts/cursor.js';
import type { RequestSpec } from './load.js';

export const TARGETS = ['hello', 'list-first', 'list-deep', 'by-id', 'comment-writes'] as const;
export type TargetName = (typeof TARGETS)[number];

export const LABELS: Record<TargetName, string> = {
  hello: 'Fastify hello world (GET /)',
  'list-first': 'GET /api/v1/posts?sort=comments (first page)',
  'list-deep': 'GET /api/v1/posts?sort=comments&cursor=… (deeper pages)',
  'by-id': 'GET /api/v1/posts/{id} (random ids)',
  'comment-writes': 'POST /api/v1/posts/{id}/comments (random posts)',
};

export const isRead = (target: TargetName) => target !== 'comment-writes';

export interface Target {
  name: TargetName;
  server: 'hello' | 'herald';
  next(): RequestSpec;
}

/** What the targets draw their requests from, read from the loaded database once. */
export interface Pools {
  postIds: string[];
  /** `next_cursor` values of pages spread over the whole `sort=comments` listing. */
  deepCursors: string[];
  /** `Authorization` headers of the users who write comments. */
  writers: string[];
}

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;

/**
 * Cursors the API itself would hand out (`encodePostCursor`) for positions drawn uniformly over
 * the listing: each is where some page of `sort=comments` ends, so each request reads the page
 * after it.
 */
export async function readPools(db: pg.Pool, cursors: number): Promise<Omit<Pools, 'writers'>> {
  const { rows: ids } = await db.query<{ id: string }>('SELECT id FROM posts');
  const { rows: positions } = await db.query<{ id: string; comment_count: number; created_at: Date }>(
    'SELECT id, comment_count, created_at FROM posts ORDER BY random() LIMIT $1',
    [cursors],
  );
  return {
    postIds: ids.map((row) => row.id),
    deepCursors: positions.map((row) => encodePostCursor(row)),
  };
}

export function makeTarget(name: TargetName, pools: Pools): Target {
  let written = 0;
  switch (name) {
    case 'hello':
      return { name, server: 'hello', next: () => ({ method: 'GET', path: '/' }) };
    case 'list-first':
      return { name, server: 'herald', next: () => ({ method: 'GET', path: '/api/v1/posts?sort=comments' }) };
    case 'list-deep':
      if (pools.deepCursors.length === 0) throw new Error('no cursors of deeper pages: is the dataset empty?');
      return {
        name,
        server: 'herald',
        next: () => ({ method: 'GET', path: `/api/v1/posts?sort=comments&cursor=${encodeURIComponent(pick(pools.deepCursors))}` }),
      };
    case 'by-id':
      return { name, server: 'herald', next: () => ({ method: 'GET', path: `/api/v1/posts/${encodeURIComponent(pick(pools.postIds))}` }) };
    case 'comment-writes':
      return {
        name,
        server: 'herald',
        next: () => {
          written += 1;
          return {
            method: 'POST',
            path: `/api/v1/posts/${encodeURIComponent(pick(pools.postIds))}/comments`,
            headers: { 'content-type': 'application/json', authorization: pools.writers[written % pools.writers.length]! },
            body: JSON.stringify({ content: `Bench comment ${written}: written under load by one of several users.` }),
          };
        },
      };
  }
}
