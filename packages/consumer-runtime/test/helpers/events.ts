import { randomUUID } from 'node:crypto';
import { createEvent, type EventOfType, type HeraldEvent } from '@herald/event-schemas';
import type { OutgoingMessage } from '@herald/event-transport';
import { eventually } from '@herald/stack';


export function productCreated(name = 'Lamp'): EventOfType<'ProductCreated'> {
  const id = randomUUID();
  const now = new Date().toISOString();
  return createEvent({
    type: 'ProductCreated',
    subject: id,
    source: '/herald/test',
    data: {
      product: {
        id,
        sku: `SKU-${id.slice(0, 8)}`,
        name,
        description: '',
        price: { amount: 1999, currency: 'EUR' },
        stock: 3,
        low_stock_threshold: 1,
        created_at: now,
        updated_at: now,
        version: 1,
      },
    },
  });
}

export function productDeleted(): HeraldEvent {
  const id = randomUUID();
  return createEvent({
    type: 'ProductDeleted',
    subject: id,
    source: '/herald/test',
    data: { product_id: id, sku: `SKU-${id.slice(0, 8)}`, version: 2, deleted_at: new Date().toISOString() },
  });
}

/** The event as the outbox relay publishes it; `key` defaults to a shared one so records keep their order. */
export function recordOf(topic: string, event: HeraldEvent, key = 'ordered'): OutgoingMessage {
  return { topic, key, value: JSON.stringify(event), headers: { ce_id: event.id, ce_type: event.type } };
}

/** An error the test's `isTransient` recognises as "the dependency is down". */
export class DependencyDown extends Error {
  override readonly name = 'DependencyDown';
}

export const isDependencyDown = (error: unknown): boolean => error instanceof DependencyDown;

// Shared with every workspace's tests.
export { eventually };
