import type { LowStockWarning } from './events/low-stock-warning.js';
import type { ProductCreated } from './events/product-created.js';
import type { ProductDeleted } from './events/product-deleted.js';
import type { ProductUpdated } from './events/product-updated.js';
import type { StockAdjusted } from './events/stock-adjusted.js';
import type { UserRegistered } from './events/user-registered.js';
import type { UserUpdated } from './events/user-updated.js';

/** Any Herald event; narrow it with `event.type`. */
export type HeraldEvent =
  | ProductCreated
  | ProductUpdated
  | ProductDeleted
  | StockAdjusted
  | LowStockWarning
  | UserRegistered
  | UserUpdated;

/** The event whose `type` is T. */
export type EventOfType<T extends HeraldEvent['type']> = Extract<HeraldEvent, { type: T }>;

/** The `data` payload of the event whose `type` is T. */
export type EventData<T extends HeraldEvent['type']> = EventOfType<T>['data'];
