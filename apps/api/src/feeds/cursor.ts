import { parsePosition } from '@herald/fanout';
import { HttpProblem } from '../errors.js';

/**
 * Feed positions, in the form the contract states (`FeedPosition`): the entry's creation time in
 * ms and its post id, `<ms>.<postId>`. It maps one to one onto the feed's sort key
 * (`<created_at>#<postId>`, the same key in the feed table and in the merge of pulled posts), so
 * every value of the form is a position and none the contract accepts is refused.
 */
const POSITION = /^(\d{1,13})\.([A-Za-z0-9_-]{1,64})$/;

export function encodePosition(position: string): string {
  const parsed = parsePosition(position)!;
  return `${parsed.createdAt.getTime()}.${parsed.postId}`;
}

export function decodePosition(value: string, field: 'max_id' | 'since_id'): string {
  const match = POSITION.exec(value);
  const position = match ? `${new Date(Number(match[1])).toISOString()}#${match[2]}` : '';
  if (!match || !parsePosition(position)) {
    throw new HttpProblem('HERALD_INVALID_CURSOR', `${field} is not a feed position this API issued`, [
      { in: 'query', field, message: 'is not a valid feed position' },
    ]);
  }
  return position;
}
