/** The count of low-stock warnings since the last reset; clicking it resets it. */
export function LowStockBadge({ count, onReset }: { count: number; onReset(): void }) {
  const label =
    count === 0 ? 'No new low-stock warnings' : `${count} new low-stock warning${count === 1 ? '' : 's'}; click to mark as seen`;
  return (
    <button
      type="button"
      className={`badge-button${count > 0 ? ' badge-button--active' : ''}`}
      data-testid="low-stock-badge"
      data-count={count}
      aria-label={label}
      title={label}
      onClick={onReset}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          fill="currentColor"
        />
      </svg>
      <span>Low stock</span>
      <span className="badge-count">{count > 99 ? '99+' : count}</span>
    </button>
  );
}
