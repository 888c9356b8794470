/**
 * Keeps the posts view in step with the API, without React, the way product-sync keeps the
 * products table: the page once (again when the order changes or the stream lost its position),
 * then the post and comment events applied as they arrive. What events cannot describe is read:
 * the page again when a post that belongs on it is not held, a post's newest comments when a shown
 * one was deleted, an author's handle. Each is gathered for a moment, so a burst costs one round.
 *
 * A single post is never read (`GET /api/v1/posts/{id}` counts a view, and the dashboard is not
 * a reader): the page and the comments listing tell everything the view shows.
 */
import type { CommentPage, HeraldEvent, Post, PostPage, PostSort, UserSummary } from '../api/types.js';
import { realTimers, type Timers } from '../stream/timers.js';
import {
  applyLatestComments,
  applyPostAnswer,
  applyPostEvents,
  imagePending,
  authorsIn,
  authorsInEvents,
  authorsToLookUp,
  emptyPostList,
  listFromPage,
  type PostList,
} from './post-list.js';

export interface PostSyncState {
  list: PostList;
  /** Handles of the authors the events name by id only. */
  authors: ReadonlyMap<string, UserSummary>;
  /** True while the first page (of this order) loads. */
  loading: boolean;
  /** Why the last page read failed; undefined once one succeeded. */
  error: string | undefined;
}

export interface PostSyncOptions {
  sort: PostSort;
  /** Posts shown: the page size asked for. */
  limit: number;
  fetchPage(sort: PostSort, limit: number, signal: AbortSignal): Promise<PostPage>;
  /** A post's newest comments; undefined when the post does not exist (any more). */
  fetchLatestComments(postId: string, signal: AbortSignal): Promise<CommentPage | undefined>;
  /** A user's profile; undefined when there is no such user. */
  fetchUser(id: string, signal: AbortSignal): Promise<UserSummary | undefined>;
  onChange(state: PostSyncState): void;
  timers?: Timers;
  /** What is to be read is gathered this long after the first need, so a burst costs one round. */
  fetchDelayMs?: number;
  /** At most this many reads of comments or users at a time. */
  maxConcurrentFetches?: number;
  /**
   * While an image this view sent is pending, the page is read again after these delays (the
   * last one repeating) until its verdict is in, in case the event stream does not bring it.
   */
  imagePollDelaysMs?: readonly number[];
  /** Gives up reading again for an image after this many reads. */
  imagePollLimit?: number;
}

export interface PostSync {
  readonly state: PostSyncState;
  /** Reads the page: at start, and when the stream could not resume where it left off. */
  reload(): void;
  /** Shows the posts in another order (reads its page). */
  setSort(sort: PostSort): void;
  /** Applies events from the stream (oldest first). */
  apply(events: readonly HeraldEvent[]): void;
  /** Shows a post as the API answered its writer here (see applyPostAnswer). */
  put(post: Post): void;
  /**
   * Waits for the verdict on the post's image: the event stream usually brings it; until it does,
   * the page is read again now and then (imagePollDelaysMs).
   */
  awaitImage(postId: string): void;
  stop(): void;
}

function withAuthors(authors: ReadonlyMap<string, UserSummary>, found: readonly UserSummary[]): ReadonlyMap<string, UserSummary> {
  const changed = found.filter((a) => {
    const known = authors.get(a.id);
    return !known || known.handle !== a.handle || known.display_name !== a.display_name;
  });
  if (changed.length === 0) return authors;
  const next = new Map(authors);
  for (const a of changed) next.set(a.id, a);
  return next;
}

export function createPostSync(options: PostSyncOptions): PostSync {
  const timers = options.timers ?? realTimers;
  const fetchDelayMs = options.fetchDelayMs ?? 150;
  const maxConcurrent = options.maxConcurrentFetches ?? 4;
  const controller = new AbortController();
  let state: PostSyncState = { list: emptyPostList(options.sort, options.limit), authors: new Map(), loading: true, error: undefined };
  let stopped = false;

  /** The page read in progress, and the events received since it started (applied again on top of it). */
  let pageLoad: { id: number; sinceStart: HeraldEvent[] } | undefined;
  let loads = 0;
  let rereadWanted = false;
  const commentsWanted = new Set<string>();
  const usersWanted = new Set<string>();
  /** Users asked for once: a user the API does not know is not asked for again. */
  const usersAsked = new Set<string>();
  let fetching = 0;
  let timer: unknown;
  const imagePollDelays = options.imagePollDelaysMs ?? [2000, 4000, 8000, 15_000, 30_000];
  const imagePollLimit = options.imagePollLimit ?? 20;
  /** Posts whose image verdict is awaited, with the reads of the page made for them so far. */
  const awaitedImages = new Map<string, number>();
  let imagePollTimer: unknown;
  let imagePolls = 0;

  function update(next: Partial<PostSyncState>): void {
    const changed = Object.entries(next).some(([key, value]) => state[key as keyof PostSyncState] !== value);
    if (!changed || stopped) return;
    state = { ...state, ...next };
    options.onChange(state);
  }

  function schedule(delay = fetchDelayMs): void {
    if (timer === undefined && !stopped) timer = timers.setTimeout(runFetches, delay);
  }

  /** Notes what the current list needs read: the page, comments of posts, authors. */
  function want({ reread = false, comments = [] as readonly string[] } = {}): void {
    if (reread) rereadWanted = true;
    for (const id of comments) commentsWanted.add(id);
    for (const id of authorsToLookUp(state.list, state.authors)) if (!usersAsked.has(id)) usersWanted.add(id);
    if (rereadWanted || commentsWanted.size > 0 || usersWanted.size > 0) schedule();
  }

  function runFetches(): void {
    timer = undefined;
    if (stopped) return;
    if (rereadWanted && !pageLoad) {
      rereadWanted = false;
      commentsWanted.clear(); // the page brings every post's newest comments
      void loadPage();
    }
    if (pageLoad) return; // comments and authors once the page is in
    for (const id of commentsWanted) {
      if (fetching >= maxConcurrent) break;
      commentsWanted.delete(id);
      fetching++;
      options
        .fetchLatestComments(id, controller.signal)
        .then(
          (page) => {
            update({ list: applyLatestComments(state.list, id, page), authors: withAuthors(state.authors, page ? authorsIn(page.items) : []) });
            want();
          },
          () => {}, // the post keeps the comments it has; the next deletion tries again
        )
        .finally(done);
    }
    for (const id of usersWanted) {
      if (fetching >= maxConcurrent) break;
      usersWanted.delete(id);
      usersAsked.add(id);
      fetching++;
      options
        .fetchUser(id, controller.signal)
        .then(
          (user) => update({ authors: withAuthors(state.authors, user ? [user] : []) }),
          () => usersAsked.delete(id), // asked again when next needed
        )
        .finally(done);
    }
  }

  function done(): void {
    fetching--;
    if (commentsWanted.size > 0 || usersWanted.size > 0) schedule(0);
  }

  /** Reads the page again while an awaited image is pending; forgets those settled or waited on long enough. */
  function scheduleImagePoll(): void {
    if (stopped || imagePollTimer !== undefined) return;
    for (const [id, reads] of awaitedImages) {
      const held = state.list.posts.has(id);
      if ((held && !imagePending(state.list, id)) || reads >= imagePollLimit) awaitedImages.delete(id);
    }
    if (awaitedImages.size === 0) {
      imagePolls = 0;
      return;
    }
    const delay = imagePollDelays[Math.min(imagePolls, imagePollDelays.length - 1)]!;
    imagePollTimer = timers.setTimeout(() => {
      imagePollTimer = undefined;
      if (stopped) return;
      imagePolls++;
      for (const [id, reads] of awaitedImages) awaitedImages.set(id, reads + 1);
      // The next read is planned once this one is in: its answer may be the verdict.
      void (pageLoad ? Promise.resolve() : loadPage()).finally(scheduleImagePoll);
    }, delay);
  }

  async function loadPage(): Promise<void> {
    const id = ++loads;
    pageLoad = { id, sinceStart: pageLoad?.sinceStart ?? [] };
    const { sort, limit } = state.list;
    try {
      const page = await options.fetchPage(sort, limit, controller.signal);
      if (stopped || pageLoad?.id !== id) return; // a newer read took over
      const { sinceStart } = pageLoad;
      pageLoad = undefined;
      const applied = applyPostEvents(listFromPage(page, state.list), sinceStart);
      update({ list: applied.list, authors: withAuthors(state.authors, authorsIn(page.items)), loading: false, error: undefined });
      want(applied);
    } catch (error) {
      if (stopped || pageLoad?.id !== id) return;
      pageLoad = undefined;
      update({ loading: false, error: error instanceof Error ? error.message : String(error) });
      want();
    }
  }

  return {
    get state() {
      return state;
    },
    reload() {
      if (stopped) return;
      void loadPage();
    },
    setSort(sort) {
      if (stopped || sort === state.list.sort) return;
      update({ list: { ...emptyPostList(sort, state.list.limit), deleted: state.list.deleted, deletedComments: state.list.deletedComments }, loading: true, error: undefined });
      commentsWanted.clear();
      void loadPage();
    },
    apply(events) {
      if (stopped) return;
      pageLoad?.sinceStart.push(...events);
      const applied = applyPostEvents(state.list, events);
      update({ list: applied.list, authors: withAuthors(state.authors, authorsInEvents(events)) });
      // While the page loads it brings what these events lack; what it misses is asked for after.
      if (!pageLoad) want(applied);
    },
    put(post) {
      if (stopped) return;
      update({ list: applyPostAnswer(state.list, post) });
      want();
    },
    awaitImage(postId) {
      if (stopped) return;
      awaitedImages.set(postId, 0);
      imagePolls = 0;
      if (imagePollTimer !== undefined) timers.clearTimeout(imagePollTimer);
      imagePollTimer = undefined;
      scheduleImagePoll();
    },
    stop() {
      stopped = true;
      controller.abort();
      if (timer !== undefined) timers.clearTimeout(timer);
      if (imagePollTimer !== undefined) timers.clearTimeout(imagePollTimer);
      timer = undefined;
      imagePollTimer = undefined;
    },
  };
}
