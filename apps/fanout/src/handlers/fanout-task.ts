import type { FanoutTask } from '../tasks.js';
import { pushToFollowers, type FanoutDeps } from './deps.js';

/**
 * One part of a large fan-out: the post into the feeds of the author's followers in the task's
 * range, as a small fan-out writes them (batches, BatchWriteItem, Redis first). Keys are
 * deterministic, so a task delivered twice, or after a crash midway, writes each entry once.
 * Returns how many followers it wrote to.
 */
export async function handleFanoutTask(task: FanoutTask, deps: FanoutDeps): Promise<number> {
  // A post deleted since it was split: its deletion may have run already; do not write it back.
  if (!(await deps.authorPosts.lookup(task.post.id))) return 0;
  return pushToFollowers(task.post.authorId, [{ position: task.post.position, postId: task.post.id }], deps, task.followers);
}
