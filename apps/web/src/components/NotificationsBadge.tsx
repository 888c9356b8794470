/** The signed-in user's unread notifications; clicking marks them read. */
export function NotificationsBadge({ count, onRead }: { count: number; onRead(): void }) {
  const label = count === 0 ? 'No unread notifications' : `${count} unread notification${count === 1 ? '' : 's'}; click to mark as read`;
  return (
    <button
      type="button"
      className={`badge-button${count > 0 ? ' badge-button--active' : ''}`}
      data-testid="notifications-badge"
      data-count={count}
      aria-label={label}
      title={label}
      onClick={onRead}
    >
      <span>Notifications</span>
      <span className="badge-count">{count > 99 ? '99+' : count}</span>
    </button>
  );
}
