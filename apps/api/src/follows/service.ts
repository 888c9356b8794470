import { createEvent } from '@herald/event-schemas';
import type { Pool } from '../db/pool.js';
import { HttpProblem, notFound } from '../errors.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../lib/keyset-cursor.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { components } from '../openapi/contract.generated.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import * as repository from './repository.js';

export type FollowPage = components['schemas']['FollowPage'];

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
        throw new HttpProblem('HERALD_FOLLOW_SELF', 'a user cannot follow themselves', [{ in: 'path', field: 'userId', message: 'is your own id' }]);
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
      const position = cursor === undefined ? undefined : decodeKeysetCursor(cursor);
      const after = position && { followedAt: position.at, id: position.id };
      const rows = await repository.listEdges(pool, direction, userId, after, limit + 1);
      if (rows.length === 0 && !(await repository.userExists(pool, userId))) throw notFound('user', userId);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({ id: row.id, handle: row.handle, display_name: row.display_name, followed_at: row.followed_at.toISOString() })),
        next_cursor: rows.length > limit && last ? encodeKeysetCursor(last.followed_at, last.id) : null,
      };
    },
  };
}
