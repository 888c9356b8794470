/** A product is low on stock when its stock is at or below its threshold. */
export function isLowStock(level: { stock: number; low_stock_threshold: number }): boolean {
  return level.stock <= level.low_stock_threshold;
}

/**
 * Whether a write moved a product into the low-stock state. A write that leaves it low does not
 * count, so LowStockWarning is raised once per crossing, not on every write while low.
 * `before` is undefined for a product that did not exist (creation in the low state counts).
 */
export function entersLowStock(
  before: { stock: number; low_stock_threshold: number } | undefined,
  after: { stock: number; low_stock_threshold: number },
): boolean {
  return isLowStock(after) && (before === undefined || !isLowStock(before));
}
