import { decodeKeysetCursor, encodeKeysetCursor } from '../lib/keyset-cursor.js';
import type { BlogPosition } from './repository.js';

/**
 * The blog listing's cursor: the last blog's creation time (ms) and id, in the contract's
 * `KeysetCursor` form. (The posts of a blog page with the posts listing's own cursor.)
 */
export const encodeBlogCursor = (last: { created_at: Date; id: string }): string => encodeKeysetCursor(last.created_at, last.id);

export function decodeBlogCursor(cursor: string): BlogPosition {
  const { at, id } = decodeKeysetCursor(cursor);
  return { createdAt: at, id };
}
