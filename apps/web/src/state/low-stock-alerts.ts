import type { HeraldEvent, LowStockWarning } from '../api/types.js';

/** A LowStockWarning as the toast shows it. */
export interface LowStockToast {
  /** The event id. */
  id: string;
  productId: string;
  sku: string;
  name: string;
  stock: number;
  threshold: number;
}

/** Toasts on screen at once; an older one makes room for a newer one. */
export const MAX_TOASTS = 4;

export function isLowStockWarning(event: HeraldEvent): event is LowStockWarning {
  return event.type === 'LowStockWarning';
}

export function toastFromEvent(event: LowStockWarning): LowStockToast {
  const { product_id, sku, name, stock, low_stock_threshold } = event.data;
  return { id: event.id, productId: product_id, sku, name, stock, threshold: low_stock_threshold };
}

/** Toasts after a batch of events: the batch's warnings on top (newest first), at most `max`. */
export function addToasts(toasts: readonly LowStockToast[], batch: readonly HeraldEvent[], max = MAX_TOASTS): LowStockToast[] {
  const fresh = batch.filter(isLowStockWarning).map(toastFromEvent).reverse();
  if (fresh.length === 0) return toasts as LowStockToast[];
  const ids = new Set(fresh.map((t) => t.id));
  return [...fresh, ...toasts.filter((t) => !ids.has(t.id))].slice(0, max);
}

export function dismissToast(toasts: readonly LowStockToast[], id: string): LowStockToast[] {
  return toasts.filter((t) => t.id !== id);
}
