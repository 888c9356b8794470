import type { HeraldEvent } from '@herald/event-schemas';
import type { FanoutDeps, StreamPosition } from './deps.js';
import { handlePostCreated } from './post-created.js';
import { handlePostDeleted } from './post-deleted.js';
import { handleUserFollowed } from './user-followed.js';
import { handleUserUnfollowed } from './user-unfollowed.js';

export { pushToFollowers, type FanoutDeps, type StreamPosition } from './deps.js';
export { handleFanoutTask } from './fanout-task.js';
export { handlePostCreated, type PostCreatedOutcome } from './post-created.js';
export { handlePostDeleted } from './post-deleted.js';
export { handleUserFollowed } from './user-followed.js';
export { handleUserUnfollowed } from './user-unfollowed.js';

/** The event types the fan-out acts on; PostUpdated needs nothing, as the read hydrates content. */
export const FANOUT_EVENT_TYPES = ['UserFollowed', 'UserUnfollowed', 'PostCreated', 'PostDeleted'] as const satisfies ReadonlyArray<HeraldEvent['type']>;

/** Dispatches one event to its handler. */
export async function applyFanoutEvent(event: HeraldEvent, at: StreamPosition, deps: FanoutDeps): Promise<void> {
  switch (event.type) {
    case 'UserFollowed':
      return handleUserFollowed(event, at, deps);
    case 'UserUnfollowed':
      return handleUserUnfollowed(event, at, deps);
    case 'PostCreated': {
      const outcome = await handlePostCreated(event, deps);
      deps.log.debug({ postId: event.data.post.id, ...outcome }, 'post fanned out');
      return;
    }
    case 'PostDeleted':
      return handlePostDeleted(event, deps);
    default:
      return;
  }
}
