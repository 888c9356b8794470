import { decodeKeysetCursor, encodeKeysetCursor, invalidCursor } from '../lib/keyset-cursor.js';
import type { CommentPosition, PostPosition } from './repository.js';

/**
 * Listing cursors, in the forms the contract states (`PostListCursor`, `KeysetCursor`): every
 * string of that form is a position. A post cursor holds the whole keyset of the last post
 * (comment count, creation time in ms, id), so it is a position in either order.
 */
const POST_CURSOR = /^(\d{1,9})\.(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/;

export function encodePostCursor(last: { comment_count: number; created_at: Date; id: string }): string {
  return `${last.comment_count}.${last.created_at.getTime()}.${last.id}`;
}

export function decodePostCursor(cursor: string): PostPosition {
  const match = POST_CURSOR.exec(cursor);
  if (!match) throw invalidCursor();
  return { commentCount: Number(match[1]), createdAt: new Date(Number(match[2])), id: match[3]! };
}

export const encodeCommentCursor = (last: { created_at: Date; id: string }) => encodeKeysetCursor(last.created_at, last.id);

export function decodeCommentCursor(cursor: string): CommentPosition {
  const { at, id } = decodeKeysetCursor(cursor);
  return { createdAt: at, id };
}
