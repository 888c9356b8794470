import { createEvent } from '@herald/event-schemas';
import type { Pool } from '../db/pool.js';
import { HttpProblem, notFound } from '../errors.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { components } from '../openapi/contract.generated.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import * as repository from './repository.js';

export type FollowPage = components['schemas']['FollowPage'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const invalidCursor = () =>
  new HttpProblem('HERALD_INVALID_CURSOR', 'cursor is not one this API issued for this listing', [
    { in: 'query', field: 'cursor', message: 'is not a valid cursor for this listing' },
  ]);

/** Cursors: base64url of the last edge's time (ms) and the listed user's id. */
const encodeCursor = (row: repository.FollowRow) => Buffer.from(`f|${row.followed_at.getTime()}|${row.id}`).toString('base64url');
function decodeCursor(cursor: string): repository.FollowPosition {
  const [tag, at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (tag !== 'f' || rest.length > 0 || !/^\d{1,15}$/.test(at ?? '') || !UUID.test(id ?? '')) throw invalidCursor();
  return { followedAt: new Date(Number(at)), id: id! };
}

export interface FollowService {
  /** Idempotent: following someone already followed changes nothing and publishes nothing. */
  follow(followerId: string, followeeId: string): Promise<void>;
  unfollow(followerId: string, followeeId: string): Promise<void>;
  list(direction: 'followers' | 'following', userId: string, query: { limit?: number; cursor?: string }): Promise<FollowPage>;
}

export function createFollowService({ pool, unitOfWork, eventSource }: { pool: Pool; unitOfWork: UnitOfWork; eventSource: string }): FollowService {
  return {
    async follow(followerId, followeeId) {
      if (followerId === followeeId) {
        throw new HttpProblem('HERALD_VALIDATION_FAILED', 'a user cannot follow themselves', [{ in: 'path', field: 'userId', message: 'is your own id' }]);
      }
      if (!(await repository.userExists(pool, followeeId))) throw notFound('user', followeeId);
      await unitOfWork.run(async (client) => {
        const at = new Date();
        const added = await repository.follow(client, followerId, followeeId, at);
        const events = added
          ? [createEvent({ id: uuidv7(), type: 'UserFollowed', subject: followeeId, source: eventSource, time: at, data: { follower_id: followerId, followee_id: followeeId, followed_at: at.toISOString() } })]
          : [];
        return { result: undefined, events };
      });
    },

    async unfollow(followerId, followeeId) {
      await unitOfWork.run(async (client) => {
        const at = new Date();
        const removed = await repository.unfollow(client, followerId, followeeId);
        const events = removed
          ? [createEvent({ id: uuidv7(), type: 'UserUnfollowed', subject: followeeId, source: eventSource, time: at, data: { follower_id: followerId, followee_id: followeeId, unfollowed_at: at.toISOString() } })]
          : [];
        return { result: undefined, events };
      });
    },

    async list(direction, userId, { limit = 20, cursor }) {
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await repository.listEdges(pool, direction, userId, after, limit + 1);
      if (rows.length === 0 && !(await repository.userExists(pool, userId))) throw notFound('user', userId);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({ id: row.id, handle: row.handle, display_name: row.display_name, followed_at: row.followed_at.toISOString() })),
        next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
      };
    },
  };
}
