import { useEffect, useMemo, useRef, useState } from 'react';
import { fetchAllProducts } from '../api/client.js';
import type { Product } from '../api/types.js';
import { createRefresher, type Refresher } from '../state/refresher.js';

export interface ProductsState {
  products: Product[];
  loading: boolean;
  error: string | undefined;
  /** Reloads soon; many calls in a burst cost one reload. */
  refresh(): void;
}

/** Every product (all pages), reloaded when asked (after product events), `delayMs` after the first ask. */
export function useProducts(delayMs = 400): ProductsState {
  const [products, setProducts] = useState<Product[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const refresher = useRef<Refresher | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        setProducts(await fetchAllProducts(fetch, controller.signal));
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

  return useMemo(() => ({ products, loading, error, refresh: () => refresher.current?.request() }), [products, loading, error]);
}
