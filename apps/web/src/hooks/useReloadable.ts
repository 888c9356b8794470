import { useEffect, useMemo, useRef, useState } from 'react';
import { createRefresher, type Refresher } from '../state/refresher.js';

export interface Reloadable<T> {
  /** Undefined until the first load succeeded. */
  data: T | undefined;
  loading: boolean;
  error: string | undefined;
  /** Reloads `delayMs` after the first ask; many calls in a burst cost one reload. */
  refresh(): void;
}

/**
 * Data fetched once on mount and again when asked (after the events that change it), coalesced by
 * a refresher so that a burst of events costs one request. The fetch is aborted on unmount.
 */
export function useReloadable<T>(fetchData: (signal: AbortSignal) => Promise<T>, delayMs: number): Reloadable<T> {
  const [data, setData] = useState<T | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const refresher = useRef<Refresher | undefined>(undefined);
  // The latest fetcher without restarting the effect when a caller passes a new closure.
  const fetcher = useRef(fetchData);
  fetcher.current = fetchData;

  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        setData(await fetcher.current(controller.signal));
        setError(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      } finally {
        if (!controller.signal.aborted) setLoading(false);
      }
    };
    const r = createRefresher(load, delayMs);
    refresher.current = r;
    r.now();
    return () => {
      r.stop();
      controller.abort();
    };
  }, [delayMs]);

  return useMemo(() => ({ data, loading, error, refresh: () => refresher.current?.request() }), [data, loading, error]);
}
