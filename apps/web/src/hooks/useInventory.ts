import { useMemo } from 'react';
import { fetchInventory } from '../api/client.js';
import type { Inventory } from '../api/types.js';
import { useApiFetch } from './useApiFetch.js';
import { useReloadable } from './useReloadable.js';

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
  const apiFetch = useApiFetch();
  const { data, error, refresh } = useReloadable((signal) => fetchInventory(apiFetch, signal), delayMs);
  return useMemo(() => ({ inventory: data, error, refresh }), [data, error, refresh]);
}
