import type { PostDeleted } from '@herald/event-schemas';
import type { FeedEntry } from '../feed-store.js';
import type { FanoutDeps } from './deps.js';

/**
 * A deleted post leaves the author's feed and posts, and every follower's feed. For a celebrity
 * the followers' feeds are left alone (their posts were not pushed, or long ago): the read drops
 * entries of posts that no longer exist, and trimming ages them out.
 */
export async function handlePostDeleted(event: PostDeleted, deps: FanoutDeps): Promise<void> {
  const post = await deps.authorPosts.lookup(event.data.post_id);
  if (!post) return; // Never recorded, or removed by an earlier delivery.
  await deps.feeds.unpush([{ ...post, userId: post.authorId }], deps.signal);
  if ((await deps.graph.followerCount(post.authorId)) < deps.settings.celebrityThreshold) {
    let removing: Promise<void> = Promise.resolve();
    for await (const batch of deps.graph.followers(post.authorId, deps.settings.batchSize, deps.signal)) {
      const entries: FeedEntry[] = batch.map((userId) => ({ ...post, userId }));
      await removing;
      removing = deps.feeds.unpush(entries, deps.signal);
      removing.catch(() => {}); // Awaited below.
    }
    await removing;
  }
  await deps.authorPosts.remove(post);
}
