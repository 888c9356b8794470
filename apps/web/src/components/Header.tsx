import type { ConnectionStatus } from '../stream/event-stream.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { LowStockBadge } from './LowStockBadge.js';

interface HeaderProps {
  status: ConnectionStatus;
  onRetry(): void;
  warnings: number;
  onResetWarnings(): void;
}

export function Header({ status, onRetry, warnings, onResetWarnings }: HeaderProps) {
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
        <LowStockBadge count={warnings} onReset={onResetWarnings} />
        <ConnectionIndicator status={status} onRetry={onRetry} />
      </div>
    </header>
  );
}
