import type { HeraldEvent } from '@herald/event-schemas';
import type pg from 'pg';
import { inTransaction } from './db.js';
import { applyToInventory } from './handlers/index.js';
import { countEvent, recordProcessedEvent } from './repository.js';

export type ApplyOutcome = 'applied' | 'duplicate';

/**
 * Applies one event in one transaction: the inbox row, the inventory change and the per-minute
 * count commit together or not at all, so an event's id is in the inbox exactly when its effects
 * are in the read model. A second delivery finds the id and changes nothing.
 *
 * Statements run in a fixed order (inbox, the product's row, the minute's count row) so two
 * transactions never wait on each other's locks in opposite orders.
 */
export async function applyEvent(pool: pg.Pool, event: HeraldEvent): Promise<ApplyOutcome> {
  return inTransaction(pool, async (client) => {
    if (!(await recordProcessedEvent(client, event))) return 'duplicate';
    await applyToInventory(event, client);
    await countEvent(client, event);
    return 'applied';
  });
}
