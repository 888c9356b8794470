import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrateUp } from '../../src/db/migrate.js';
import { uuidv7 } from '../../src/lib/uuid-v7.js';
import { createUnitOfWork } from '../../src/outbox/unit-of-work.js';
import { productDeletedEvent } from '../helpers/events.js';
import { createTestDatabase } from '../helpers/test-database.js';

const silent = { info() {}, warn() {}, error() {} };

async function setUp(t: { teardown(fn: () => unknown): void }) {
  const database = await createTestDatabase();
  await migrateUp(database.url, silent);
  const pool = createPool(database.url, 4, 'unit-of-work-test');
  await pool.query('CREATE TABLE notes (id uuid PRIMARY KEY, body text NOT NULL UNIQUE, version int NOT NULL DEFAULT 1)');
  t.teardown(async () => {
    await pool.end();
    await database.drop();
  });
  let committed = 0;
  const unitOfWork = createUnitOfWork({ pool, topicPrefix: 'test.', onEventsCommitted: () => (committed += 1) });
  return { pool, unitOfWork, commits: () => committed };
}

async function outbox(pool: Pool) {
  const { rows } = await pool.query<{ event_id: string; topic: string; message_key: string }>(
    'SELECT event_id, topic, message_key FROM outbox ORDER BY position',
  );
  return rows;
}

const insertNote = (id: string, body: string, events: HeraldEvent[]) => ({
  name: 'notes-insert',
  sql: 'INSERT INTO notes (id, body) VALUES ($1, $2) RETURNING id, body',
  values: [id, body],
  events,
});

t.test('a single-statement write commits its row and its outbox rows together, in order', async (t) => {
  const { pool, unitOfWork, commits } = await setUp(t);
  const id = uuidv7();
  const events = [productDeletedEvent(id), productDeletedEvent(id)];
  const rows = await unitOfWork.writeOne<{ id: string; body: string }>(insertNote(id, 'first', events));
  t.same(rows, [{ id, body: 'first' }], 'the statement returns its rows');
  t.same(
    await outbox(pool),
    events.map((event) => ({ event_id: event.id, topic: 'test.herald.products', message_key: id })),
    'each event is in the outbox on its topic, keyed by its subject',
  );
  t.equal(commits(), 1, 'the publisher is nudged once');
});

t.test('a single-statement write of one event stores that event exactly, whatever its text holds', async (t) => {
  const { pool, unitOfWork, commits } = await setUp(t);
  const id = uuidv7();
  const now = new Date().toISOString();
  const event = createEvent({
    type: 'ProductCreated',
    subject: id,
    source: '/test',
    id: uuidv7(),
    data: {
      product: {
        id,
        sku: 'S-1',
        name: 'a "quoted" name, a back\\slash, {braces}, ä€😀',
        description: 'NULL',
        price: { amount: 100, currency: 'EUR' },
        stock: 1,
        low_stock_threshold: 0,
        created_at: now,
        updated_at: now,
        version: 1,
      },
    },
  });
  await unitOfWork.writeOne(insertNote(id, 'one event', [event]));
  const { rows } = await pool.query<{ event_id: string; event_type: string; topic: string; message_key: string; payload: unknown }>(
    'SELECT event_id, event_type, topic, message_key, payload FROM outbox ORDER BY position',
  );
  t.same(rows, [{ event_id: event.id, event_type: 'ProductCreated', topic: 'test.herald.products', message_key: id, payload: event }]);
  t.equal(commits(), 1);
});

t.test('a single-statement write that fails writes neither its row nor its events', async (t) => {
  const { pool, unitOfWork, commits } = await setUp(t);
  await unitOfWork.writeOne(insertNote(uuidv7(), 'taken', []));
  const id = uuidv7();
  await t.rejects(unitOfWork.writeOne(insertNote(id, 'taken', [productDeletedEvent(id)])), { code: '23505' });
  t.same(await outbox(pool), [], 'no event without its row');
  t.equal((await pool.query('SELECT * FROM notes WHERE id = $1', [id])).rowCount, 0);
  t.equal(commits(), 0);
});

t.test('a single-statement write that matches no row writes no events', async (t) => {
  const { pool, unitOfWork, commits } = await setUp(t);
  const id = uuidv7();
  await unitOfWork.writeOne(insertNote(id, 'note', []));
  const stale = {
    name: 'notes-update-if-version',
    sql: 'UPDATE notes SET body = $2, version = version + 1 WHERE id = $1 AND version = $3 RETURNING id',
    values: [id, 'changed', 7],
    events: [productDeletedEvent(id)],
  };
  t.same(await unitOfWork.writeOne(stale), [], 'the stale version matched nothing');
  t.same(await outbox(pool), [], 'so no event was appended');
  t.equal(commits(), 0, 'and the publisher was not nudged');
  const current = await unitOfWork.writeOne({ ...stale, values: [id, 'changed', 1] });
  t.equal(current.length, 1);
  t.equal((await outbox(pool)).length, 1, 'the matching version appends its event');
});

t.test('a transaction that throws rolls back its rows and its events', async (t) => {
  const { pool, unitOfWork, commits } = await setUp(t);
  const id = uuidv7();
  await t.rejects(
    unitOfWork.run(async (client) => {
      await client.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [id, 'rolled back']);
      throw new Error('changed my mind');
    }),
    { message: 'changed my mind' },
  );
  t.equal((await pool.query('SELECT * FROM notes')).rowCount, 0);
  const result = await unitOfWork.run(async (client) => {
    await client.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [id, 'kept']);
    return { result: 'done', events: [productDeletedEvent(id)] };
  });
  t.equal(result, 'done');
  t.equal((await outbox(pool)).length, 1);
  t.equal(commits(), 1);
});
