import { useEffect, useState } from 'react';
import { formatCount } from '../format.js';
import type { LowStockToast } from '../state/low-stock-alerts.js';

/** How long a toast stays, unless the pointer rests on it. */
export const TOAST_MS = 8000;

function Toast({ toast, onDismiss }: { toast: LowStockToast; onDismiss(id: string): void }) {
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (paused) return;
    const timer = setTimeout(() => onDismiss(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [paused, toast.id, onDismiss]);

  return (
    <div
      className={`toast${paused ? ' toast--paused' : ''}`}
      role="alert"
      data-testid="toast-low-stock"
      data-sku={toast.sku}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
    >
      <div className="toast-icon" aria-hidden="true">!</div>
      <div className="toast-body">
        <p className="toast-title">Low stock</p>
        <p className="toast-name">
          {toast.name} <span className="toast-sku mono">{toast.sku}</span>
        </p>
        <p className="toast-text">
          <strong>{formatCount(toast.stock)} left</strong> · threshold {formatCount(toast.threshold)}
        </p>
      </div>
      <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        ×
      </button>
      {!paused && <span className="toast-timer" style={{ animationDuration: `${TOAST_MS}ms` }} />}
    </div>
  );
}

export function LowStockToasts({ toasts, onDismiss }: { toasts: LowStockToast[]; onDismiss(id: string): void }) {
  return (
    <div className="toasts" aria-live="assertive">
      {toasts.map((toast) => (
        <Toast key={toast.id} toast={toast} onDismiss={onDismiss} />
      ))}
    </div>
  );
}
