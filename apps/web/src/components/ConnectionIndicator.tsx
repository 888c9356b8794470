import type { ConnectionStatus } from '../stream/event-stream.js';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const HINTS: Record<ConnectionStatus, string> = {
  connecting: 'Opening the event stream',
  connected: 'Receiving events as they happen',
  reconnecting: 'Connection lost; resuming from the last event received',
  offline: 'The event stream cannot be reached; retrying with backoff',
};

export function ConnectionIndicator({ status, onRetry }: { status: ConnectionStatus; onRetry(): void }) {
  return (
    <div className="connection" data-testid="connection-status" data-status={status} role="status" aria-live="polite" title={HINTS[status]}>
      <span className={`connection-dot connection-dot--${status}`} aria-hidden="true" />
      <span className="connection-label">{LABELS[status]}</span>
      {status === 'offline' && (
        <button type="button" className="link-button" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
