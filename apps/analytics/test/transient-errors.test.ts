import t from 'tap';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { analyticsConsumer, isTransientDatabaseError } from '../src/index.js';
import { inTransaction } from '../src/db.js';
import { migratedDatabase } from './helpers/test-database.js';

const { url, pool } = await migratedDatabase(t);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

t.test('PostgreSQL being unreachable is transient', async (t) => {
  const unreachable = new URL(url);
  unreachable.port = String(await closedPort());
  const deadPool = new pg.Pool({ connectionString: unreachable.toString(), connectionTimeoutMillis: 1_000 });
  t.teardown(() => deadPool.end());
  const refused = await errorOf(deadPool.query('SELECT 1'));
  t.ok(isTransientDatabaseError(refused), `connection refused (${String(refused)})`);

  const ended = new pg.Pool({ connectionString: url });
  await ended.end();
  t.ok(isTransientDatabaseError(await errorOf(ended.query('SELECT 1'))), 'a pool already ended');
});

t.test('a terminated connection, a serialization failure and a deadlock are transient', async (t) => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const terminated = errorOf(client.query('SELECT pg_sleep(10)'));
  await sleep(100);
  await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
  const error = await terminated;
  t.ok(isTransientDatabaseError(error), `terminated (${String(error)})`);

  for (const code of ['40001', '40P01', '08006', '57P01', '53300']) {
    t.ok(isTransientDatabaseError(Object.assign(new Error('x'), { code })), `SQLSTATE ${code}`);
  }
  t.ok(
    isTransientDatabaseError(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })),
    'found through `cause`',
  );
});

t.test('an error of the statement itself is not transient', async (t) => {
  t.notOk(isTransientDatabaseError(await errorOf(pool.query('SELEC 1'))), 'syntax error');
  t.notOk(
    isTransientDatabaseError(await errorOf(pool.query("INSERT INTO analytics.inventory (product_id, stock, stock_version) VALUES (gen_random_uuid(), -1, 1)"))),
    'check violation',
  );
  t.notOk(isTransientDatabaseError(new TypeError('cannot read properties of undefined')), 'a bug');
  t.notOk(isTransientDatabaseError(undefined));
  t.equal(analyticsConsumer({ pool }).isTransient, isTransientDatabaseError, 'the consumer classifies with it');
});

t.test('a connection lost between two statements fails the transaction instead of crashing the process', async (t) => {
  const failure = await errorOf(
    inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await sleep(200); // the connection ends while no statement is running: an 'error' event
      await client.query('SELECT 1');
    }),
  );
  t.ok(isTransientDatabaseError(failure), `the next statement fails, transiently (${String(failure)})`);
  const { rows } = await pool.query('SELECT 1 AS one');
  t.equal(rows[0].one, 1, 'the pool still works: the broken connection was not given back');
});
