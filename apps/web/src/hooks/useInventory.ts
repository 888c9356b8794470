import { useEffect, useMemo, useRef, useState } from 'react';
import { fetchInventory } from '../api/client.js';
import type { Inventory } from '../api/types.js';
import { createRefresher, type Refresher } from '../state/refresher.js';

export interface InventoryState {
  /** Undefined until loaded, or when the analytics endpoint cannot answer. */
  inventory: Inventory | undefined;
  error: string | undefined;
  refresh(): void;
}

/**
 * The inventory figures of the analytics consumer. They follow the events with a short lag, so
 * a reload waits a little longer than the products' one.
 */
export function useInventory(delayMs = 1000): InventoryState {
  const [inventory, setInventory] = useState<Inventory | undefined>();
  const [error, setError] = useState<string | undefined>();
  const refresher = useRef<Refresher | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        setInventory(await fetchInventory(fetch, controller.signal));
        setError(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
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

  return useMemo(() => ({ inventory, error, refresh: () => refresher.current?.request() }), [inventory, error]);
}
