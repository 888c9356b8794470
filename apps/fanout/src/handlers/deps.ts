import type { TransportLogger } from '@herald/event-transport';
import type { AuthorPosts } from '../author-posts.js';
import type { FeedSettings } from '../config.js';
import type { FeedStore } from '../feed-store.js';
import type { FollowGraph, StreamPosition } from '../follow-graph.js';

/** What every fan-out handler works with. */
export interface FanoutDeps {
  graph: FollowGraph;
  authorPosts: AuthorPosts;
  feeds: FeedStore;
  settings: FeedSettings;
  log: TransportLogger;
  signal?: AbortSignal;
}

/** Where the event being handled sits in its partition (the follower counter's guard). */
export type { StreamPosition };

/**
 * Writes `posts` into the feed of every follower of `authorId`: followers are read `batchSize` at
 * a time, and each batch's entries are written while the next batch is read.
 */
export async function pushToFollowers(authorId: string, posts: ReadonlyArray<{ position: string; postId: string }>, deps: FanoutDeps): Promise<number> {
  let followers = 0;
  let writing: Promise<void> = Promise.resolve();
  for await (const batch of deps.graph.followers(authorId, deps.settings.batchSize, deps.signal)) {
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
