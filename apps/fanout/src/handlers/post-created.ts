import type { PostCreated } from '@herald/event-schemas';
import { followerSk, positionOf } from '../keys.js';
import { tasksOf } from '../tasks.js';
import { pushToFollowers, type FanoutDeps } from './deps.js';

export type PostCreatedOutcome =
  | { mode: 'push'; followers: number }
  | { mode: 'tasks'; followers: number; tasks: number }
  | { mode: 'pull'; followers: number };

/**
 * A new post: into the author's posts, into the author's own feed, and pushed to every follower's
 * feed, unless the author has at least FANOUT_CELEBRITY_THRESHOLD followers (then the read merges
 * it in: pull). An author with more than FANOUT_TASK_SPAN followers is split into tasks, one per
 * span of followers, that every replica shares (see tasks.ts). Every write has a deterministic
 * key, so a fan-out that stops midway and is delivered again writes each entry once.
 */
export async function handlePostCreated(event: PostCreated, deps: FanoutDeps): Promise<PostCreatedOutcome> {
  const { post } = event.data;
  const ref = { position: positionOf(post.created_at, post.id), postId: post.id, authorId: post.author_id };
  await deps.authorPosts.record(ref);
  await deps.feeds.push([{ ...ref, userId: post.author_id }], deps.signal);
  const count = await deps.graph.followerCount(post.author_id);
  if (count >= deps.settings.celebrityThreshold) return { mode: 'pull', followers: count };
  if (deps.tasks && count > deps.settings.taskSpan) {
    // The follower keys only, a page per span: each page's last key bounds a task's range.
    const boundaries: string[] = [];
    for await (const page of deps.graph.followers(post.author_id, deps.settings.taskSpan, deps.signal)) boundaries.push(followerSk(page.at(-1)!));
    const tasks = tasksOf({ id: post.id, authorId: post.author_id, position: ref.position }, boundaries);
    await deps.tasks.publish(tasks);
    return { mode: 'tasks', followers: count, tasks: tasks.length };
  }
  return { mode: 'push', followers: await pushToFollowers(post.author_id, [ref], deps) };
}
