import type pg from 'pg';

/**
 * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
 * `begin` may set the isolation level (`BEGIN ISOLATION LEVEL ...`).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no error listener of the pool's: a connection lost between two
  // statements would be an uncaught 'error' event. Kept here; the next statement fails with it.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      lost ??= rollbackError;
    });
    throw error;
  } finally {
    client.removeListener('error', onError);
    // A connection that failed is destroyed rather than given back to the pool.
    client.release(lost ?? false);
  }
}

/** SQLSTATE of a PostgreSQL error, if it is one. */
export function pgErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Socket-level failures reaching the server. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/**
 * SQLSTATEs meaning "try again later" rather than "this event is wrong": serialization failure,
 * deadlock, too many connections, server shutting down or starting, and every connection exception
 * (class 08).
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03']);

/** Messages of node-postgres errors that carry no code (pool timeouts, dropped connections). */
const TRANSIENT_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /cannot use a pool after calling end/i,
];

/**
 * True when `error` says PostgreSQL is unreachable or asked for the transaction to be retried.
 * Such failures are retried by the consumer runtime for as long as it takes; everything else
 * (a bug, a constraint the event breaks) is not.
 */
export function isTransientDatabaseError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const code = pgErrorCode(error);
  if (code !== undefined) {
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || NETWORK_ERROR_CODES.has(code)) return true;
  }
  const message = 'message' in error ? String(error.message) : '';
  if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Node reports a refused connection to every address of a host as one AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => isTransientDatabaseError(inner, depth + 1))) {
    return true;
  }
  return 'cause' in error && isTransientDatabaseError(error.cause, depth + 1);
}
