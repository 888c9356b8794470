import { HttpProblem } from '../errors.js';
import type { BlogPosition } from './repository.js';

/**
 * The blog listing's cursor is opaque to clients: base64url of the last blog's keyset position
 * (creation time in milliseconds and id), tagged `b` so that a cursor of another listing is
 * refused rather than misread. (The posts of a blog page with the posts listing's own cursor.)
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeBlogCursor(last: { created_at: Date; id: string }): string {
  return Buffer.from(['b', last.created_at.getTime(), last.id].join('|')).toString('base64url');
}

export function decodeBlogCursor(cursor: string): BlogPosition {
  const [tag, at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (tag === 'b' && rest.length === 0 && /^\d{1,15}$/.test(at ?? '') && UUID.test(id ?? '')) return { createdAt: new Date(Number(at)), id: id! };
  throw new HttpProblem('HERALD_INVALID_CURSOR', 'cursor is not one this API issued for this listing', [
    { in: 'query', field: 'cursor', message: 'is not a valid cursor for this listing' },
  ]);
}
