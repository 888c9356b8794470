import type { TransportLogger } from '@herald/event-transport';
import type { AuthorPosts } from '../author-posts.js';
import type { FeedSettings } from '../config.js';
import type { FeedStore } from '../feed-store.js';
import type { FollowGraph, FollowerRange, StreamPosition } from '../follow-graph.js';
import type { FanoutTaskPublisher } from '../tasks.js';

/** What every fan-out handler works with. */
export interface FanoutDeps {
  graph: FollowGraph;
  authorPosts: AuthorPosts;
  feeds: FeedStore;
  settings: FeedSettings;
  /** Where a large fan-out is split into tasks that every replica shares; absent: pushed inline. */
  tasks?: FanoutTaskPublisher | undefined;
  log: TransportLogger;
  signal?: AbortSignal;
}

/** Where the event being handled sits in its partition (the follower counter's guard). */
export type { StreamPosition };

/**
 * Writes `posts` into the feed of every follower of `authorId` (or of those in `range`): followers are read `batchSize` at
 * a time, and each batch's entries are written while the next batch is read.
 */
export async function pushToFollowers(
  authorId: string,
  posts: ReadonlyArray<{ position: string; postId: string }>,
  deps: FanoutDeps,
  range?: FollowerRange,
): Promise<number> {
  let followers = 0;
  let writing: Promise<void> = Promise.resolve();
  for await (const batch of deps.graph.followers(authorId, deps.settings.batchSize, deps.signal, range)) {
    followers += batch.length;
    const entries = batch.flatMap((userId) => posts.map((post) => ({ userId, authorId, position: post.position, postId: post.postId })));
    await writing;
    writing = deps.feeds.push(entries, deps.signal);
    // Awaited before the next batch or at the end; until then a failure must not count as unhandled.
    writing.catch(() => {});
  }
  await writing;
  return followers;
}
