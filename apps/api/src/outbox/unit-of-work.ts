import { eventCatalog, topicName, type HeraldEvent } from '@herald/event-schemas';
import type { Pool, PoolClient } from '../db/pool.js';

/** What a piece of work hands back: its result, and the events describing the change it made. */
export interface Written<T> {
  result: T;
  events: HeraldEvent[];
}

/**
 * A write that is one SQL statement whose events are known before it runs (a create, say). The
 * statement and the outbox insert travel as one prepared statement: one round trip, one implicit
 * transaction. `sql` must be a data-modifying statement with a RETURNING clause; the events are
 * appended only when it returns at least one row, so a statement that matched nothing (a stale
 * version, a missing row) writes no events either.
 */
export interface SingleStatementWrite {
  /** Names the prepared statement; one name per distinct `sql`. */
  name: string;
  sql: string;
  values: unknown[];
  events: HeraldEvent[];
}

export interface UnitOfWork {
  /**
   * Runs `work` in one transaction and appends the events it returns to the outbox in that same
   * transaction: a change is never visible without its events, nor the other way round.
   */
  run<T>(work: (client: PoolClient) => Promise<Written<T>>): Promise<T>;
  /** One statement and its events in one round trip; resolves with the statement's rows. */
  writeOne<Row>(write: SingleStatementWrite): Promise<Row[]>;
}

export interface UnitOfWorkOptions {
  pool: Pool;
  topicPrefix: string;
  /** Called after each commit that wrote events, so the publisher picks them up at once. */
  onEventsCommitted: () => void;
}

const OUTBOX_COLUMNS = 'event_id, event_type, topic, message_key, payload';
const OUTBOX_ROWS = (first: number) =>
  `unnest($${first}::uuid[], $${first + 1}::text[], $${first + 2}::text[], $${first + 3}::text[], $${first + 4}::jsonb[])`;

/** One outbox row as a select list of five parameters, typed as unnest's arrays are. */
const OUTBOX_ROW = (first: number) =>
  `(SELECT $${first}::uuid, $${first + 1}::text, $${first + 2}::text, $${first + 3}::text, $${first + 4}::jsonb) AS row`;

/** The outbox columns of one event, in OUTBOX_ROW's order. */
function outboxRow(event: HeraldEvent, topicPrefix: string): unknown[] {
  return [event.id, event.type, topicName(eventCatalog[event.type].topic, topicPrefix), event.subject, JSON.stringify(event)];
}

/** The outbox columns of `events`, as five parallel arrays (one parameter each, whatever the count). */
function outboxValues(events: HeraldEvent[], topicPrefix: string): unknown[][] {
  const columns: unknown[][] = [[], [], [], [], []];
  for (const event of events) outboxRow(event, topicPrefix).forEach((value, column) => columns[column]!.push(value));
  return columns;
}

/** Appends events to the outbox inside the caller's transaction. */
export async function appendToOutbox(client: PoolClient, events: HeraldEvent[], topicPrefix: string): Promise<void> {
  if (events.length === 0) return;
  await client.query({
    name: 'herald-outbox-append',
    text: `INSERT INTO outbox (${OUTBOX_COLUMNS}) SELECT * FROM ${OUTBOX_ROWS(1)}`,
    values: outboxValues(events, topicPrefix),
  });
}

/**
 * The one way Herald writes: every feature's change and its events go through here. Events were
 * validated when they were made (`createEvent`), so nothing invalid is ever committed.
 */
export function createUnitOfWork({ pool, topicPrefix, onEventsCommitted }: UnitOfWorkOptions): UnitOfWork {
  const combined = new Map<string, string>();

  return {
    async run(work) {
      const client = await pool.connect();
      let written: Written<Awaited<ReturnType<typeof work>>['result']>;
      try {
        await client.query('BEGIN');
        written = await work(client);
        await appendToOutbox(client, written.events, topicPrefix);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      if (written.events.length > 0) onEventsCommitted();
      return written.result;
    },

    async writeOne<Row>({ name, sql, values, events }: SingleStatementWrite): Promise<Row[]> {
      if (events.length === 0) {
        const { rows } = await pool.query({ name, text: sql, values });
        return rows as Row[];
      }
      // One event (most writes) travels as scalar parameters: five arrays would cost an array
      // literal each, escaped on the way out (the JSON payload character by character) and parsed
      // again by PostgreSQL, for one row.
      const single = events.length === 1;
      const statementName = single ? `${name}+outbox-1` : `${name}+outbox`;
      let text = combined.get(statementName);
      if (text === undefined) {
        // A data-modifying CTE runs exactly once whether or not its rows are read, and a single
        // statement is atomic: the row and its outbox rows commit together or not at all.
        text = `WITH written AS (${sql}),
          appended AS (
            INSERT INTO outbox (${OUTBOX_COLUMNS})
            SELECT * FROM ${single ? OUTBOX_ROW(values.length + 1) : OUTBOX_ROWS(values.length + 1)} WHERE EXISTS (SELECT 1 FROM written)
          )
          SELECT * FROM written`;
        combined.set(statementName, text);
      }
      const outbox = single ? outboxRow(events[0]!, topicPrefix) : outboxValues(events, topicPrefix);
      const { rows } = await pool.query({ name: statementName, text, values: [...values, ...outbox] });
      if (rows.length > 0) onEventsCommitted();
      return rows as Row[];
    },
  };
}
