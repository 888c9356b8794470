import { useEffect, useMemo, useRef, useState } from 'react';
import { fetchAllProducts, fetchProduct } from '../api/client.js';
import type { HeraldEvent, Product } from '../api/types.js';
import { createProductSync, type ProductSync, type ProductSyncState } from '../state/product-sync.js';
import { emptyTable, productsOf } from '../state/product-table.js';
import { useApiFetch } from './useApiFetch.js';

export interface ProductsState {
  products: Product[];
  loading: boolean;
  error: string | undefined;
  /** Applies product events from the stream to the table (no list reload). */
  applyEvents(events: readonly HeraldEvent[]): void;
  /** Loads the whole list again: for when the stream could not resume where it left off. */
  reload(): void;
}

const initial: ProductSyncState = { table: emptyTable, loading: true, error: undefined };

/** Every product (all pages) once, then kept up to date from the events. */
export function useProducts(): ProductsState {
  const [state, setState] = useState<ProductSyncState>(initial);
  const sync = useRef<ProductSync | undefined>(undefined);
  const apiFetch = useApiFetch();

  useEffect(() => {
    const s = createProductSync({
      fetchAll: (signal) => fetchAllProducts(apiFetch, signal),
      fetchOne: (id, signal) => fetchProduct(id, apiFetch, signal),
      onChange: setState,
    });
    sync.current = s;
    s.reload();
    return () => {
      s.stop();
      sync.current = undefined;
    };
  }, [apiFetch]);

  const products = useMemo(() => productsOf(state.table), [state.table]);
  return useMemo(
    () => ({
      products,
      loading: state.loading,
      error: state.error,
      applyEvents: (events: readonly HeraldEvent[]) => sync.current?.apply(events),
      reload: () => sync.current?.reload(),
    }),
    [products, state.loading, state.error],
  );
}
