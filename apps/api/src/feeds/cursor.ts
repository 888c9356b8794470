import { parsePosition } from '@herald/fanout';
import { HttpProblem } from '../errors.js';

/**
 * Feed positions are opaque to clients: base64url of the entry's sort key
 * (`<created_at>#<postId>`), the same key in the feed table and in the merge of pulled posts.
 */
export const encodePosition = (position: string) => Buffer.from(position).toString('base64url');

export function decodePosition(value: string, field: 'max_id' | 'since_id'): string {
  const position = Buffer.from(value, 'base64url').toString('utf8');
  if (!parsePosition(position)) {
    throw new HttpProblem('HERALD_INVALID_CURSOR', `${field} is not a feed position this API issued`, [
      { in: 'query', field, message: 'is not a valid feed position' },
    ]);
  }
  return position;
}
