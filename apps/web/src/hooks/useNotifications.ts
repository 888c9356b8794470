import { useCallback, useMemo } from 'react';
import { apiError } from '../api/client.js';
import { useApiFetch } from './useApiFetch.js';
import { useReloadable } from './useReloadable.js';

export interface NotificationsState {
  /** Unread notifications of the signed-in user (0 until loaded or when unavailable). */
  unread: number;
  /** Reads the count again soon (after an event that may have made one). */
  refresh(): void;
  /** Marks every notification read, then reads the count again. */
  markAllRead(): Promise<void>;
}

const LIST = '/api/v1/me/notifications?limit=1';
const READ = '/api/v1/me/notifications/read';

/** The signed-in user's unread notification count, for the header badge. */
export function useNotifications(delayMs = 1000): NotificationsState {
  const apiFetch = useApiFetch();
  const { data, refresh } = useReloadable(async (signal) => {
    const response = await apiFetch(LIST, { signal, headers: { accept: 'application/json' } });
    if (!response.ok) throw await apiError('GET', LIST, response);
    return ((await response.json()) as { unread_count: number }).unread_count;
  }, delayMs);
  const markAllRead = useCallback(async () => {
    const response = await apiFetch(READ, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"all":true}' });
    if (!response.ok) throw await apiError('POST', READ, response);
    refresh();
  }, [apiFetch, refresh]);
  return useMemo(() => ({ unread: data ?? 0, refresh, markAllRead }), [data, refresh, markAllRead]);
}
