import { useEffect, useMemo } from 'react';
import { fetchConsumerLag } from '../api/client.js';
import type { ConsumerLag } from '../api/consumer-lag.js';
import { useApiFetch } from './useApiFetch.js';
import { useReloadable } from './useReloadable.js';

export interface ConsumerLagState {
  /** Undefined until loaded. */
  lag: ConsumerLag | undefined;
  error: string | undefined;
  /** Reloads soon (after a burst of events); many calls in a burst cost one reload. */
  refresh(): void;
}

/**
 * How far each consumer group is behind, per partition: reloaded every `everyMs`, and
 * `delayMs` after events arrive (the consumers need a moment to catch up with a burst).
 */
export function useConsumerLag(everyMs = 10_000, delayMs = 1500): ConsumerLagState {
  const apiFetch = useApiFetch();
  const { data, error, refresh } = useReloadable((signal) => fetchConsumerLag(apiFetch, signal), delayMs);
  useEffect(() => {
    const timer = setInterval(refresh, everyMs);
    return () => clearInterval(timer);
  }, [refresh, everyMs]);
  return useMemo(() => ({ lag: data, error, refresh }), [data, error, refresh]);
}
