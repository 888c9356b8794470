import { formatCount, formatMoney, formatTime } from '../format.js';
import type { InventorySummary } from '../state/inventory-summary.js';

interface InventoryCardsProps {
  summary: InventorySummary;
  /** Where the figures come from, e.g. "analytics · 14:02:11". */
  source: string;
}

function Card({ label, value, tone }: { label: string; value: string; tone?: 'warn' }) {
  return (
    <div className={`stat-card${tone ? ` stat-card--${tone}` : ''}`}>
      <p className="stat-label">{label}</p>
      <p className="stat-value">{value}</p>
    </div>
  );
}

export function InventoryCards({ summary, source }: InventoryCardsProps) {
  const value = summary.stockValue.length === 0 ? '—' : summary.stockValue.map((m) => formatMoney(m)).join(' · ');
  return (
    <section className="stats" aria-label="Inventory">
      <Card label="Products" value={formatCount(summary.productCount)} />
      <Card label="Units in stock" value={formatCount(summary.unitsInStock)} />
      <Card label="Stock value" value={value} />
      <Card label="Low stock" value={formatCount(summary.lowStockCount)} {...(summary.lowStockCount > 0 ? { tone: 'warn' as const } : {})} />
      <p className="stats-source">{source}</p>
    </section>
  );
}

export function inventorySource(updatedAt: string | null | undefined): string {
  if (updatedAt === undefined) return 'Computed from the product list (analytics unavailable)';
  return updatedAt ? `From the analytics consumer · last event ${formatTime(updatedAt)}` : 'From the analytics consumer · no events yet';
}
