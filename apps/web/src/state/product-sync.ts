/**
 * Keeps the products table in step with the API, without React: the whole list once (and again
 * only when the stream lost its position), then the product events applied as they arrive. A
 * product is fetched on its own only when an event does not carry enough to update its row.
 */
import type { HeraldEvent, Product } from '../api/types.js';
import { realTimers, type Timers } from '../stream/timers.js';
import { applyFetchedProduct, applyProductEvents, emptyTable, tableFromList, type ProductTable } from './product-table.js';

export interface ProductSyncState {
  table: ProductTable;
  /** True until the first list has loaded. */
  loading: boolean;
  /** Why the last list load failed; undefined once one succeeded. */
  error: string | undefined;
}

export interface ProductSyncOptions {
  fetchAll(signal: AbortSignal): Promise<Product[]>;
  /** One product; undefined when it does not exist (any more). */
  fetchOne(id: string, signal: AbortSignal): Promise<Product | undefined>;
  onChange(state: ProductSyncState): void;
  timers?: Timers;
  /** Products to fetch are gathered this long after the first, so a burst costs one round. */
  fetchDelayMs?: number;
  /** At most this many product fetches at a time. */
  maxConcurrentFetches?: number;
}

export interface ProductSync {
  readonly state: ProductSyncState;
  /** Loads the whole list: at start, and when the stream could not resume where it left off. */
  reload(): void;
  /** Applies events from the stream (oldest first). */
  apply(events: readonly HeraldEvent[]): void;
  stop(): void;
}

export function createProductSync(options: ProductSyncOptions): ProductSync {
  const timers = options.timers ?? realTimers;
  const fetchDelayMs = options.fetchDelayMs ?? 150;
  const maxConcurrent = options.maxConcurrentFetches ?? 4;
  const controller = new AbortController();
  let state: ProductSyncState = { table: emptyTable, loading: true, error: undefined };
  let stopped = false;

  /** The list load in progress, and the events received since it started (applied again on top of it). */
  let listLoad: { id: number; sinceStart: HeraldEvent[] } | undefined;
  let loads = 0;
  const wanted = new Set<string>(); // products to fetch
  const fetching = new Set<string>();
  let fetchTimer: unknown;

  function update(next: Partial<ProductSyncState>): void {
    const changed = Object.entries(next).some(([key, value]) => state[key as keyof ProductSyncState] !== value);
    if (!changed || stopped) return;
    state = { ...state, ...next };
    options.onChange(state);
  }

  function want(ids: readonly string[]): void {
    // While a list loads, it will bring them (what it misses is asked for once it has loaded).
    if (listLoad) return;
    for (const id of ids) wanted.add(id);
    if (wanted.size > 0 && fetchTimer === undefined) fetchTimer = timers.setTimeout(fetchWanted, fetchDelayMs);
  }

  function fetchWanted(): void {
    fetchTimer = undefined;
    if (stopped || listLoad) return;
    for (const id of wanted) {
      if (fetching.size >= maxConcurrent) break;
      if (fetching.has(id)) continue; // asked again during its fetch: fetched again after it
      wanted.delete(id);
      fetching.add(id);
      options
        .fetchOne(id, controller.signal)
        .then(
          (product) => update({ table: applyFetchedProduct(state.table, id, product) }),
          () => {}, // the row keeps what the events said; the next event about it tries again
        )
        .finally(() => {
          fetching.delete(id);
          if (wanted.size > 0 && fetchTimer === undefined && !stopped) fetchTimer = timers.setTimeout(fetchWanted, 0);
        });
    }
  }

  async function loadList(): Promise<void> {
    const id = ++loads;
    listLoad = { id, sinceStart: listLoad?.sinceStart ?? [] };
    try {
      const list = await options.fetchAll(controller.signal);
      if (stopped || listLoad?.id !== id) return; // a newer load took over
      const { sinceStart } = listLoad;
      listLoad = undefined;
      const { table, stale } = applyProductEvents(tableFromList(list, state.table), sinceStart);
      update({ table, loading: false, error: undefined });
      want(stale);
    } catch (error) {
      if (stopped || listLoad?.id !== id) return;
      listLoad = undefined;
      update({ loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    get state() {
      return state;
    },
    reload() {
      if (stopped) return;
      void loadList();
    },
    apply(events) {
      if (stopped) return;
      listLoad?.sinceStart.push(...events);
      const { table, stale } = applyProductEvents(state.table, events);
      update({ table });
      want(stale);
    },
    stop() {
      stopped = true;
      controller.abort();
      if (fetchTimer !== undefined) timers.clearTimeout(fetchTimer);
      fetchTimer = undefined;
    },
  };
}
