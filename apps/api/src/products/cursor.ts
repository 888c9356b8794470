import { HttpProblem } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Pagination cursors are opaque to clients: base64url of the last id of the page. Ids are UUIDv7,
 * so ordering by id is ordering by creation, and a page never repeats or skips a product when
 * others are created or deleted meanwhile.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded.after === 'string' && UUID.test(decoded.after)) return decoded.after;
  } catch {
    // fall through to the problem below
  }
  throw new HttpProblem('HERALD_INVALID_CURSOR', 'cursor is not one this API issued', [
    { in: 'query', field: 'cursor', message: 'is not a valid cursor' },
  ]);
}
