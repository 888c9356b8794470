import { parsePosition, positionOf, type FeedReader, type FeedSettings } from '@herald/fanout';
import { HttpProblem } from '../errors.js';
import type { ImageService } from '../images/service.js';
import type { components } from '../openapi/contract.generated.js';
import { decodePosition, encodePosition } from './cursor.js';
import type { FeedPostRow, FeedRepository } from './repository.js';

export type FeedPage = components['schemas']['FeedPage'];
type FeedItem = components['schemas']['FeedItem'];

export interface FeedQuery {
  limit?: number;
  max_id?: string;
  since_id?: string;
}

const DEFAULT_LIMIT = 20;

const toItem = (row: FeedPostRow): FeedItem => ({
  id: row.id,
  author: { id: row.author_id, handle: row.author_handle, display_name: row.author_display_name },
  blog_id: row.blog_id,
  title: row.title,
  content: row.content,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  version: row.version,
});

/**
 * The feed read: the caller's feed partition (pushed entries) merged in order with the recent
 * posts of the celebrities they follow (pulled from PostgreSQL), duplicates dropped (an author
 * who became a celebrity has entries pushed before), then the page's posts hydrated in one query.
 */
export function createFeedService(deps: { repository: FeedRepository; reader: FeedReader | undefined; settings: FeedSettings; images?: ImageService | undefined }) {
  const { repository, reader, settings, images } = deps;

  /** The page's posts with their images; only posts created with one cost a lookup, one for the page. */
  async function itemsOf(rows: FeedPostRow[]): Promise<FeedItem[]> {
    const items = rows.map(toItem);
    return images ? images.withImages(items, rows.filter((row) => row.has_image).map((row) => row.id)) : items;
  }

  return {
    async read(userId: string, query: FeedQuery): Promise<FeedPage> {
      if (query.max_id !== undefined && query.since_id !== undefined) {
        throw new HttpProblem('HERALD_INVALID_CURSOR', 'max_id and since_id cannot be combined', [
          { in: 'query', field: 'since_id', message: 'cannot be combined with max_id' },
        ]);
      }
      const limit = query.limit ?? DEFAULT_LIMIT;
      const before = query.max_id !== undefined ? decodePosition(query.max_id, 'max_id') : undefined;
      const after = query.since_id !== undefined ? decodePosition(query.since_id, 'since_id') : undefined;
      const place = (position: string | undefined) => {
        const parsed = position === undefined ? undefined : parsePosition(position)!;
        return parsed && { createdAt: parsed.createdAt, id: parsed.postId };
      };
      const [pushed, pulled] = await Promise.all([
        reader ? reader.read(userId, { limit, before, after }) : Promise.resolve([]),
        repository.celebrityPosts(userId, settings.celebrityThreshold, limit, { before: place(before), after: place(after) }),
      ]);

      // Both lists are in the page's order (newest first, or nearest first above `after`): merge
      // by position, one entry per post, and keep the page's `limit`.
      const positions = new Map<string, string>();
      for (const entry of pushed) positions.set(entry.postId, entry.position);
      for (const row of pulled) positions.set(row.id, positionOf(row.created_at, row.id));
      const ascending = after !== undefined;
      const candidates = [...positions.entries()]
        .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0) * (ascending ? 1 : -1))
        .slice(0, limit);

      const rows = new Map((await repository.hydrate(userId, candidates.map(([id]) => id))).map((row) => [row.id, row]));
      // Newest first in the response, whichever way the page was read.
      const ordered = ascending ? [...candidates].reverse() : candidates;
      const items = await itemsOf(ordered.flatMap(([id]) => (rows.has(id) ? [rows.get(id)!] : [])));
      const newest = ordered[0]?.[1] ?? after;
      const oldest = ordered.at(-1)?.[1];
      return {
        items,
        // A page cut short by `limit` may have older posts after it; a `since_id` page is followed
        // by what the client read before.
        next_max_id: !ascending && candidates.length === limit && oldest ? encodePosition(oldest) : null,
        newer_since_id: newest !== undefined ? encodePosition(newest) : query.since_id ?? null,
      };
    },
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
