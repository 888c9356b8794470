import type { UserUnfollowed } from '@herald/event-schemas';
import { pushToFollowers, type FanoutDeps, type StreamPosition } from './deps.js';

/**
 * An unfollow: the edge and the count, then every entry of the followee in the follower's feed.
 * When the followee falls below the celebrity threshold with it, their recent posts (merged at
 * read time until now, never pushed) are pushed to their remaining followers, as the read stops
 * merging them.
 */
export async function handleUserUnfollowed(event: UserUnfollowed, at: StreamPosition, deps: FanoutDeps): Promise<void> {
  const { follower_id: followerId, followee_id: followeeId } = event.data;
  await deps.graph.removeEdge(followeeId, followerId);
  const count = await deps.graph.count(followeeId, -1, at);
  await deps.feeds.removeAuthor(followerId, followeeId, deps.signal);
  if (count === deps.settings.celebrityThreshold - 1) {
    const posts = await deps.authorPosts.recent(followeeId, deps.settings.backfillPosts);
    const followers = await pushToFollowers(followeeId, posts, deps);
    deps.log.info({ authorId: followeeId, posts: posts.length, followers }, 'author fell below the celebrity threshold; recent posts pushed');
  }
}
