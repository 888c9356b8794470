import type { SignedInUser } from '../auth/session.js';
import type { ConnectionStatus } from '../stream/event-stream.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { LowStockBadge } from './LowStockBadge.js';
import { NotificationsBadge } from './NotificationsBadge.js';

interface HeaderProps {
  status: ConnectionStatus;
  onRetry(): void;
  warnings: number;
  onResetWarnings(): void;
  /** Unread notifications of the signed-in user. */
  notifications: number;
  onReadNotifications(): void;
  user: SignedInUser;
  onSignOut(): void;
}

export function Header({ status, onRetry, warnings, onResetWarnings, notifications, onReadNotifications, user, onSignOut }: HeaderProps) {
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <div>
          <h1>Herald</h1>
          <p className="brand-sub">Live events and inventory</p>
        </div>
      </div>
      <div className="header-actions">
        <NotificationsBadge count={notifications} onRead={onReadNotifications} />
        <LowStockBadge count={warnings} onReset={onResetWarnings} />
        <ConnectionIndicator status={status} onRetry={onRetry} />
        <div className="user" data-testid="signed-in-user" data-handle={user.handle} data-role={user.role}>
          <span className="user-handle">@{user.handle}</span>
          <span className={`user-role user-role--${user.role}`}>{user.role}</span>
          <button type="button" className="sign-out" data-testid="sign-out" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
