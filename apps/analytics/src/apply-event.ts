import type { HeraldEvent } from '@herald/event-schemas';
import type pg from 'pg';
import { inTransaction } from './db.js';
import { applyToInventory } from './handlers/index.js';
import { inventoryChanges } from './inventory-changes.js';
import { postStatsChanges } from './post-stats-changes.js';
import {
  countEvent,
  countEvents,
  lockPostStats,
  recordProcessedEvent,
  recordProcessedEvents,
  writeDeletionsInBulk,
  writePostDeletionsInBulk,
  writePostStatsInBulk,
  writeProductDetailsInBulk,
  writeStockInBulk,
  type Queryable,
} from './repository.js';

export type ApplyOutcome = 'applied' | 'duplicate';

/**
 * The post statistics part of applying `events` (new ones, in order): netted per post (see
 * post-stats-changes.ts), the posts locked, then deletions before writes. Shared by both paths.
 */
async function applyToPostStats(client: Queryable, events: readonly HeraldEvent[]): Promise<void> {
  const { writes, deletions } = postStatsChanges(events);
  if (writes.length === 0 && deletions.length === 0) return;
  await lockPostStats(client, [...writes.map((write) => write.postId), ...deletions.map((deletion) => deletion.postId)]);
  await writePostDeletionsInBulk(client, deletions);
  await writePostStatsInBulk(client, writes);
}

/**
 * Applies one event in one transaction: the inbox row, the inventory change and the per-minute
 * count commit together or not at all, so an event's id is in the inbox exactly when its effects
 * are in the read model. A second delivery finds the id and changes nothing.
 *
 * Statements run in a fixed order (inbox, the product's row, the post's lock and rows, the minute's
 * count row) so two transactions never wait on each other's locks in opposite orders.
 */
export async function applyEvent(pool: pg.Pool, event: HeraldEvent): Promise<ApplyOutcome> {
  return inTransaction(pool, async (client) => {
    if (!(await recordProcessedEvent(client, event))) return 'duplicate';
    await applyToInventory(event, client);
    await applyToPostStats(client, [event]);
    await countEvent(client, event);
    return 'applied';
  });
}

export interface BatchOutcome {
  /** Events applied by this call, in the order given. */
  applied: HeraldEvent[];
  /** How many were already in the inbox (or twice in the batch). */
  duplicates: number;
}

/**
 * Applies a batch of events (of one partition, in its order) in one transaction, with the same
 * guarantee as applyEvent for each of them: one multi-row insert puts their ids in the inbox and
 * says which were new; only those are applied, in order, with one bulk statement per kind of
 * change (inventory details, stock, deletions: netted per product, see inventory-changes.ts; post
 * deletions and statistics, netted per post, see post-stats-changes.ts; then the per-minute
 * counts, grouped). All of it commits together or not at all, so a batch tried
 * again, or overlapping one applied before, changes each figure exactly once.
 *
 * Statements run in the same fixed order as applyEvent's, and each writes its rows in key order,
 * so concurrent batches (of other partitions, sharing count rows) wait for each other rather than
 * deadlock; a deadlock PostgreSQL breaks anyway (40P01) is transient, and the batch is tried again.
 */
export async function applyEvents(pool: pg.Pool, events: readonly HeraldEvent[]): Promise<BatchOutcome> {
  if (events.length === 0) return { applied: [], duplicates: 0 };
  return inTransaction(pool, async (client) => {
    const fresh = await recordProcessedEvents(client, events);
    // Taken out of `fresh` when kept, so that a second copy of an event in the batch is not.
    const applied = events.filter((event) => fresh.delete(event.id.toLowerCase()));
    const changes = inventoryChanges(applied);
    await writeProductDetailsInBulk(client, changes.details);
    await writeStockInBulk(client, changes.stocks);
    await writeDeletionsInBulk(client, changes.deletions);
    await applyToPostStats(client, applied);
    await countEvents(client, applied);
    return { applied, duplicates: events.length - applied.length };
  });
}
