import type { UserFollowed } from '@herald/event-schemas';
import type { FanoutDeps, StreamPosition } from './deps.js';

/**
 * A follow: the edge (both directions) and the followee's count, then the followee's recent posts
 * into the follower's feed, unless the followee is a celebrity (their posts are merged at read
 * time). The edge is written before the posts are read, and PostCreated records the post before
 * it reads the followers, so a post made during a follow reaches the new follower one way or the
 * other.
 */
export async function handleUserFollowed(event: UserFollowed, at: StreamPosition, deps: FanoutDeps): Promise<void> {
  const { follower_id: followerId, followee_id: followeeId, followed_at: followedAt } = event.data;
  await deps.graph.addEdge(followeeId, followerId, followedAt);
  const count = await deps.graph.count(followeeId, 1, at);
  if (count >= deps.settings.celebrityThreshold) return;
  const posts = await deps.authorPosts.recent(followeeId, deps.settings.backfillPosts);
  await deps.feeds.push(posts.map((post) => ({ ...post, userId: followerId })), deps.signal);
}
