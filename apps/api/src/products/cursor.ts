import { HttpProblem } from '../errors.js';

/** The form openapi.yaml gives a cursor (schema `Cursor`): base64url of 16 bytes, no padding. */
const CURSOR = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * Pagination cursors are opaque to clients: base64url of the 16 bytes of the last id of the page.
 * Ids are UUIDv7, so ordering by id is ordering by creation, and a page never repeats or skips a
 * product when others are created or deleted meanwhile. Every string of the contract's form is a
 * position (the products after that 128-bit value), so the contract describes exactly what is
 * accepted.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId.replace(/-/g, ''), 'hex').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (!CURSOR.test(cursor)) {
    throw new HttpProblem('HERALD_INVALID_CURSOR', 'cursor is not one this API issued', [
      { in: 'query', field: 'cursor', message: 'is not a valid cursor' },
    ]);
  }
  const hex = Buffer.from(cursor, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
