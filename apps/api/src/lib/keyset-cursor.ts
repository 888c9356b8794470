import { HttpProblem } from '../errors.js';

/**
 * The cursor of listings ordered newest first by (time, uuid): `<ms>.<uuid>`, as the contract's
 * `KeysetCursor` pattern states. Every string of that form is a position, so a request the
 * contract accepts is never refused for its cursor.
 */
const KEYSET_CURSOR = /^(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export interface KeysetPosition {
  at: Date;
  id: string;
}

export const invalidCursor = () =>
  new HttpProblem('HERALD_INVALID_CURSOR', 'cursor is not one this API issued for this listing', [
    { in: 'query', field: 'cursor', message: 'is not a valid cursor for this listing' },
  ]);

export const encodeKeysetCursor = (at: Date, id: string) => `${at.getTime()}.${id}`;

export function decodeKeysetCursor(cursor: string): KeysetPosition {
  const match = KEYSET_CURSOR.exec(cursor);
  if (!match) throw invalidCursor();
  return { at: new Date(Number(match[1])), id: match[2]! };
}
