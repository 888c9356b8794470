import { HttpProblem } from '../errors.js';
import type { CommentPosition, PostPosition, PostSort } from './repository.js';

/**
 * Listing cursors are opaque to clients: base64url of the last item's keyset position, tagged
 * with the order they belong to (`r` recent, `c` most commented, `m` comments of a post), so a
 * cursor of one order is refused by another.
 */
const invalidCursor = () =>
  new HttpProblem('HERALD_INVALID_CURSOR', 'cursor is not one this API issued for this listing', [
    { in: 'query', field: 'cursor', message: 'is not a valid cursor for this listing' },
  ]);

const POST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const encode = (parts: Array<string | number>) => Buffer.from(parts.join('|')).toString('base64url');
const decode = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8').split('|');
const timestamp = (value: string | undefined) => {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return new Date(Number(value));
};

export function encodePostCursor(sort: PostSort, last: { comment_count: number; created_at: Date; id: string }): string {
  return sort === 'comments'
    ? encode(['c', last.comment_count, last.created_at.getTime(), last.id])
    : encode(['r', last.created_at.getTime(), last.id]);
}

export function decodePostCursor(sort: PostSort, cursor: string): PostPosition {
  const parts = decode(cursor);
  if (sort === 'comments' && parts[0] === 'c' && parts.length === 4) {
    const [, count, at, id] = parts;
    const createdAt = timestamp(at);
    if (/^\d{1,10}$/.test(count!) && createdAt && POST_ID.test(id!)) return { commentCount: Number(count), createdAt, id: id! };
  }
  if (sort === 'recent' && parts[0] === 'r' && parts.length === 3) {
    const [, at, id] = parts;
    const createdAt = timestamp(at);
    if (createdAt && POST_ID.test(id!)) return { createdAt, id: id! };
  }
  throw invalidCursor();
}

export function encodeCommentCursor(last: { created_at: Date; id: string }): string {
  return encode(['m', last.created_at.getTime(), last.id]);
}

export function decodeCommentCursor(cursor: string): CommentPosition {
  const [tag, at, id, ...rest] = decode(cursor);
  const createdAt = timestamp(at);
  if (tag !== 'm' || rest.length > 0 || !createdAt || !UUID.test(id ?? '')) throw invalidCursor();
  return { createdAt, id: id! };
}
