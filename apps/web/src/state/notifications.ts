import type { HeraldEvent } from '../api/types.js';

/**
 * Whether an event may have made a notification for `userId` (the notifier's rules: a follow of
 * them, a comment on their post by someone else, a comment of theirs deleted by someone else, an
 * image of theirs refused), so that the badge reads its count again after it. The count itself always comes from the API.
 */
export function mayNotify(event: HeraldEvent, userId: string | undefined): boolean {
  if (userId === undefined) return false;
  switch (event.type) {
    case 'UserFollowed':
      return event.data.followee_id === userId;
    case 'CommentAdded':
      return event.data.post_author_id === userId && event.data.comment.author_id !== userId;
    case 'CommentDeleted':
      return event.data.author_id === userId && event.data.deleted_by !== userId;
    case 'PostImageRejected':
      return event.data.author_id === userId;
    default:
      return false;
  }
}
