import { InvalidNotificationCursorError, type NotificationStore } from '@herald/notifier';
import type { Pool } from '../db/pool.js';
import { HttpProblem } from '../errors.js';
import type { components } from '../openapi/contract.generated.js';

type NotificationPage = components['schemas']['NotificationPage'];
type Notification = components['schemas']['Notification'];

export interface NotificationService {
  list(userId: string, query: { limit?: number; cursor?: string }): Promise<NotificationPage>;
  markRead(userId: string, which: { ids: string[] } | { all: true }): Promise<void>;
}

/**
 * Reads and marks the signed-in user's notifications in the notifier's table. The store is keyed
 * by the user, so one user's requests never reach another's notifications. Actors' handles come
 * from the accounts table (absent for a deleted account).
 */
export function createNotificationService(deps: { store: NotificationStore | undefined; pool: Pool }): NotificationService {
  const { pool } = deps;
  const storeOf = () => {
    if (!deps.store) throw new HttpProblem('HERALD_UNAVAILABLE', 'notifications are not available on this deployment');
    return deps.store;
  };

  async function handles(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await pool.query<{ id: string; handle: string }>({
      name: 'notification-actor-handles',
      text: 'SELECT id, handle FROM users WHERE id = ANY($1::uuid[])',
      values: [ids],
    });
    return new Map(rows.map((row) => [row.id, row.handle]));
  }

  return {
    async list(userId, { limit = 20, cursor }) {
      const store = storeOf();
      let page;
      try {
        page = await store.list(userId, { limit, ...(cursor !== undefined ? { cursor } : {}) });
      } catch (error) {
        if (error instanceof InvalidNotificationCursorError) throw new HttpProblem('HERALD_INVALID_CURSOR', error.message);
        throw error;
      }
      const [unreadCount, handleOf] = await Promise.all([
        store.unreadCount(userId),
        handles([...new Set(page.items.map((item) => item.actorId))]),
      ]);
      const items: Notification[] = page.items.map((item) => {
        const handle = handleOf.get(item.actorId);
        return {
          id: item.id,
          type: item.type,
          actor: handle === undefined ? { id: item.actorId } : { id: item.actorId, handle },
          subject: item.subject ?? null,
          ...(item.reason !== undefined ? { reason: item.reason } : {}),
          created_at: item.createdAt,
          read: item.read,
        };
      });
      return { items, next_cursor: page.nextCursor ?? null, unread_count: unreadCount };
    },

    async markRead(userId, which) {
      await storeOf().markRead(userId, which);
    },
  };
}
