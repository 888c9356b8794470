import type { HeraldEvent, Money, MoneyTotal } from './api/types.js';

const fractionDigits = new Map<string, number>();

function digitsOf(currency: string): number {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2; // not a code Intl knows
    }
    fractionDigits.set(currency, digits);
  }
  return digits;
}

/** Minor units as an exact decimal string: ("1250", 2) -> "12.50". */
function minorToDecimal(amount: string, digits: number): `${number}` {
  if (digits === 0) return amount as `${number}`;
  const padded = amount.padStart(digits + 1, '0');
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}` as `${number}`;
}

/**
 * Money in minor units as a person reads it, e.g. { amount: 1250, currency: 'EUR' } -> "€12.50".
 * Totals arrive as decimal strings and are formatted from the string, so every digit is kept.
 */
export function formatMoney(money: Money | MoneyTotal, locale?: string): string {
  const digits = digitsOf(money.currency);
  const value = minorToDecimal(String(money.amount), digits);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(value);
  } catch {
    return `${value} ${money.currency}`;
  }
}

export function formatCount(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** "14:03:27" in the viewer's time zone. */
export function formatTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** The time alone for today, else a short date and the time: "14:03" or "22 Nov, 14:03". */
export function formatWhen(iso: string, now: Date = new Date(), locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString(locale, { day: 'numeric', month: 'short' })}, ${time}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * One line about an event for the live list. `skuOf` names a product by id for the events that
 * carry only the id (StockAdjusted).
 */
export function describeEvent(event: HeraldEvent, skuOf: (productId: string) => string | undefined = () => undefined): string {
  switch (event.type) {
    case 'ProductCreated': {
      const p = event.data.product;
      return `${p.sku} · ${p.name} · stock ${p.stock}`;
    }
    case 'ProductUpdated':
      return `${event.data.product.sku} · changed ${Object.keys(event.data.changes).join(', ').replaceAll('_', ' ')}`;
    case 'ProductDeleted':
      return `${event.data.sku} · deleted`;
    case 'StockAdjusted': {
      const d = event.data;
      const who = skuOf(d.product_id) ?? d.product_id.slice(0, 8);
      return `${who} · ${signed(d.delta)} → stock ${d.stock_after} · ${d.reason}`;
    }
    case 'LowStockWarning':
      return `${event.data.sku} · stock ${event.data.stock} (threshold ${event.data.low_stock_threshold})`;
    default:
      return (event as { subject?: string }).subject ?? '';
  }
}
