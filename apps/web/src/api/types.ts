/**
 * What the dashboard reads from the API. Event types come from the event contract itself
 * (type-only: nothing of @herald/event-schemas ends up in the bundle); the REST shapes follow
 * openapi.yaml.
 */
import type { HeraldEvent } from '@herald/event-schemas';

export type { HeraldEvent, LowStockWarning } from '@herald/event-schemas';

export type EventType = HeraldEvent['type'];

/** Every event type, in the order the dashboard shows them (filters, legend, colours). */
export const EVENT_TYPES = [
  'ProductCreated',
  'ProductUpdated',
  'ProductDeleted',
  'StockAdjusted',
  'LowStockWarning',
  'UserRegistered',
  'UserUpdated',
  'BlogCreated',
  'BlogUpdated',
  'BlogDeleted',
  'PostCreated',
  'PostUpdated',
  'PostDeleted',
  'CommentAdded',
  'CommentDeleted',
] as const satisfies readonly EventType[];

// Fails to compile when the contract gains an event type that EVENT_TYPES does not list.
type MissingEventType = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
const allEventTypesListed: MissingEventType extends never ? true : false = true;
void allEventTypesListed;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export interface Money {
  /** Minor units (e.g. cents). */
  amount: number;
  currency: string;
}

/** A sum of money, exact at any size (openapi.yaml's MoneyTotal). */
export interface MoneyTotal {
  /** Minor units as a decimal integer string, e.g. "9007199254740993". */
  amount: string;
  currency: string;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: Money;
  stock: number;
  low_stock_threshold: number;
  low_stock: boolean;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ProductPage {
  items: Product[];
  next_cursor: string | null;
}

export interface EventRatePoint {
  /** Start of the minute, ISO date-time. */
  minute: string;
  type: string;
  count: number;
}

export interface EventRates {
  from: string;
  to: string;
  series: EventRatePoint[];
}

export interface LowStockItem {
  id: string;
  sku: string;
  name: string;
  stock: number;
  low_stock_threshold: number;
}

export interface Inventory {
  product_count: number;
  units_in_stock: number;
  stock_value: MoneyTotal[];
  low_stock: LowStockItem[];
  updated_at: string | null;
}
