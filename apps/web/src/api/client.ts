import type { ConsumerLag } from './consumer-lag.js';
import type { EventRates, Inventory, Product, ProductPage } from './types.js';

/** A non-2xx answer, with the problem title when the API sent application/problem+json. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

async function getJson<T>(path: string, fetchFn: Fetch, signal?: AbortSignal): Promise<T> {
  const response = await fetchFn(path, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = (await response.json()) as { title?: string; detail?: string };
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, `GET ${path}: ${response.status} ${detail}`);
  }
  return (await response.json()) as T;
}

/** Largest page the API allows. */
const PAGE_SIZE = 100;
/** Stop after this many pages so a runaway cursor cannot loop forever (10,000 products). */
const MAX_PAGES = 100;

/** Every product, following next_cursor until the last page. */
export async function fetchAllProducts(fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<Product[]> {
  const products: Product[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set('cursor', cursor);
    const result: ProductPage = await getJson<ProductPage>(`/api/v1/products?${query}`, fetchFn, signal);
    products.push(...result.items);
    cursor = result.next_cursor;
    if (!cursor) break;
  }
  return products;
}

/** One product; undefined when there is no such product (any more). */
export async function fetchProduct(id: string, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<Product | undefined> {
  try {
    return await getJson<Product>(`/api/v1/products/${encodeURIComponent(id)}`, fetchFn, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export function fetchEventRates(minutes: number, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<EventRates> {
  return getJson<EventRates>(`/api/v1/analytics/events?minutes=${minutes}`, fetchFn, signal);
}

export function fetchInventory(fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<Inventory> {
  return getJson<Inventory>('/api/v1/analytics/inventory', fetchFn, signal);
}

export function fetchConsumerLag(fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<ConsumerLag> {
  return getJson<ConsumerLag>('/api/v1/analytics/consumer-lag', fetchFn, signal);
}
