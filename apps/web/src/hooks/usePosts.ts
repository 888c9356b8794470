import { useEffect, useMemo, useRef, useState } from 'react';
import { fetchLatestComments, fetchPostPage, fetchPostStats, fetchUser } from '../api/client.js';
import type { HeraldEvent, Post, PostSort, UserSummary } from '../api/types.js';
import { emptyPostList, LATEST_COMMENTS, shownPosts } from '../state/post-list.js';
import { createPostStatsTracker, type PostStatsTracker, type StatsView } from '../state/post-stats.js';
import { createPostSync, type PostSync, type PostSyncState } from '../state/post-sync.js';
import { useApiFetch } from './useApiFetch.js';

/** How many posts the view shows. */
export const POSTS_SHOWN = 20;

export interface PostsState {
  /** In the order shown. */
  posts: Post[];
  sort: PostSort;
  /** Authors the events named by id only, once looked up. */
  authors: ReadonlyMap<string, UserSummary>;
  stats: ReadonlyMap<string, StatsView>;
  loading: boolean;
  error: string | undefined;
  setSort(sort: PostSort): void;
  /** Applies post and comment events from the stream (no page reload). */
  applyEvents(events: readonly HeraldEvent[]): void;
  /** Reads the page again: for when the stream could not resume where it left off. */
  reload(): void;
  /** Shows a post as the API answered its writer (the composer). */
  put(post: Post): void;
  /** Waits for the verdict on a post's image sent from here (events, else reading the page again now and then). */
  awaitImage(postId: string): void;
}

const initial: PostSyncState = { list: emptyPostList('recent', POSTS_SHOWN), authors: new Map(), loading: true, error: undefined };

/** The newest (or most commented) posts, kept up to date from the events, with their statistics. */
export function usePosts(): PostsState {
  const [state, setState] = useState<PostSyncState>(initial);
  const [stats, setStats] = useState<ReadonlyMap<string, StatsView>>(() => new Map());
  const sync = useRef<PostSync | undefined>(undefined);
  const tracker = useRef<PostStatsTracker | undefined>(undefined);
  const apiFetch = useApiFetch();

  useEffect(() => {
    const s = createPostSync({
      sort: 'recent',
      limit: POSTS_SHOWN,
      fetchPage: (sort, limit, signal) => fetchPostPage(sort, limit, apiFetch, signal),
      fetchLatestComments: (id, signal) => fetchLatestComments(id, LATEST_COMMENTS, apiFetch, signal),
      fetchUser: (id, signal) => fetchUser(id, apiFetch, signal),
      onChange: setState,
    });
    const t = createPostStatsTracker({ fetchStats: (id, signal) => fetchPostStats(id, apiFetch, signal), onChange: setStats });
    sync.current = s;
    tracker.current = t;
    s.reload();
    return () => {
      s.stop();
      t.stop();
      sync.current = undefined;
      tracker.current = undefined;
    };
  }, [apiFetch]);

  const posts = useMemo(() => shownPosts(state.list), [state.list]);
  const versions = posts.map((p) => `${p.id}@${p.version}`).join(' ');
  useEffect(() => {
    tracker.current?.track(posts.map(({ id, version }) => ({ id, version })));
    // Only a change of the posts shown or of their versions matters, not of their counts.
  }, [versions]);

  // The same functions for the life of the view: children memoized on them do not redraw.
  const actions = useMemo(
    () => ({
      setSort: (sort: PostSort) => sync.current?.setSort(sort),
      applyEvents: (events: readonly HeraldEvent[]) => sync.current?.apply(events),
      reload: () => sync.current?.reload(),
      put: (post: Post) => sync.current?.put(post),
      awaitImage: (postId: string) => sync.current?.awaitImage(postId),
    }),
    [],
  );
  return useMemo(
    () => ({
      posts,
      sort: state.list.sort,
      authors: state.authors,
      stats,
      loading: state.loading,
      error: state.error,
      ...actions,
    }),
    [posts, state.list.sort, state.authors, stats, state.loading, state.error, actions],
  );
}
