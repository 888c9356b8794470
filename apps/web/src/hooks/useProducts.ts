import { useMemo } from 'react';
import { fetchAllProducts } from '../api/client.js';
import type { Product } from '../api/types.js';
import { useReloadable } from './useReloadable.js';

export interface ProductsState {
  products: Product[];
  loading: boolean;
  error: string | undefined;
  /** Reloads soon; many calls in a burst cost one reload. */
  refresh(): void;
}

const NO_PRODUCTS: Product[] = [];

/** Every product (all pages), reloaded when asked (after product events), `delayMs` after the first ask. */
export function useProducts(delayMs = 400): ProductsState {
  const { data, loading, error, refresh } = useReloadable((signal) => fetchAllProducts(fetch, signal), delayMs);
  return useMemo(() => ({ products: data ?? NO_PRODUCTS, loading, error, refresh }), [data, loading, error, refresh]);
}
