import type { PostCreated } from '@herald/event-schemas';
import { positionOf } from '../keys.js';
import { pushToFollowers, type FanoutDeps } from './deps.js';

export type PostCreatedOutcome = { mode: 'push'; followers: number } | { mode: 'pull'; followers: number };

/**
 * A new post: into the author's posts, into the author's own feed, and pushed to every follower's
 * feed, unless the author has at least FANOUT_CELEBRITY_THRESHOLD followers (then the read merges
 * it in: pull). Every write has a deterministic key, so a fan-out that stops midway and is
 * delivered again writes each entry once.
 */
export async function handlePostCreated(event: PostCreated, deps: FanoutDeps): Promise<PostCreatedOutcome> {
  const { post } = event.data;
  const ref = { position: positionOf(post.created_at, post.id), postId: post.id, authorId: post.author_id };
  await deps.authorPosts.record(ref);
  await deps.feeds.push([{ ...ref, userId: post.author_id }], deps.signal);
  const count = await deps.graph.followerCount(post.author_id);
  if (count >= deps.settings.celebrityThreshold) return { mode: 'pull', followers: count };
  return { mode: 'push', followers: await pushToFollowers(post.author_id, [ref], deps) };
}
