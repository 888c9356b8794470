/**
 * The statistics of the posts shown (word count, average word length, characters), read from
 * `GET /api/v1/posts/{id}/stats`. They are computed asynchronously by the analytics consumer:
 * while the figures of a post's current version are not there yet (202, or figures of an older
 * version), the post shows "computing…" and they are asked for again after `Retry-After` or a
 * growing delay, whichever is longer, a bounded number of times (about three minutes in all). Any other answer shows nothing and is not repeated
 * until the post changes.
 */
import type { PostStatsAnswer } from '../api/client.js';
import type { PostStats } from '../api/types.js';
import { realTimers, type Timers } from '../stream/timers.js';

export type StatsView =
  | { state: 'loading' }
  | { state: 'computing' }
  | { state: 'ready'; stats: PostStats }
  /** Nothing to show: no statistics for this post here, or they could not be read. */
  | { state: 'none' };

export interface PostStatsOptions {
  fetchStats(postId: string, signal: AbortSignal): Promise<PostStatsAnswer>;
  onChange(views: ReadonlyMap<string, StatsView>): void;
  timers?: Timers;
  /** First wait before asking again (then doubled each time); longer when `Retry-After` says so. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Asks for one version's figures at most this many times. */
  maxAttempts?: number;
  maxConcurrent?: number;
}

export interface PostStatsTracker {
  /** The posts shown, with their versions: figures are read for each new post or version, and dropped for the others. */
  track(posts: readonly { id: string; version: number }[]): void;
  stop(): void;
}

interface Entry {
  version: number;
  attempts: number;
  timer: unknown;
  controller: AbortController | undefined;
}

export function createPostStatsTracker(options: PostStatsOptions): PostStatsTracker {
  const timers = options.timers ?? realTimers;
  const retryMs = options.retryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 12;
  const maxConcurrent = options.maxConcurrent ?? 4;
  const entries = new Map<string, Entry>();
  let views = new Map<string, StatsView>() as ReadonlyMap<string, StatsView>;
  const queue: string[] = [];
  let running = 0;
  let stopped = false;

  function show(id: string, view: StatsView | undefined): void {
    if (stopped) return;
    const current = views.get(id);
    if (view === undefined ? current === undefined : current !== undefined && sameView(current, view)) return;
    const next = new Map(views);
    if (view === undefined) next.delete(id);
    else next.set(id, view);
    views = next;
    options.onChange(views);
  }

  function enqueue(id: string): void {
    if (!queue.includes(id)) queue.push(id);
    pump();
  }

  function pump(): void {
    while (running < maxConcurrent && queue.length > 0 && !stopped) {
      const id = queue.shift()!;
      const entry = entries.get(id);
      if (entry) void ask(id, entry);
    }
  }

  async function ask(id: string, entry: Entry): Promise<void> {
    running++;
    entry.attempts++;
    const controller = new AbortController();
    entry.controller = controller;
    let answer: PostStatsAnswer | undefined;
    try {
      answer = await options.fetchStats(id, controller.signal);
    } catch {
      answer = undefined;
    } finally {
      running--;
      entry.controller = undefined;
    }
    if (!stopped && entries.get(id) === entry && !controller.signal.aborted) settle(id, entry, answer);
    pump();
  }

  function settle(id: string, entry: Entry, answer: PostStatsAnswer | undefined): void {
    if (answer?.state === 'ready' && answer.stats.post_version >= entry.version) {
      show(id, { state: 'ready', stats: answer.stats });
      return;
    }
    if (answer?.state === 'ready' || answer?.state === 'computing') {
      // Not computed yet, or computed for an older version: ask again, a bounded number of times.
      show(id, { state: 'computing' });
      if (entry.attempts >= maxAttempts) return;
      // Retry-After at the least, and a wait that grows, so that figures a stopped consumer never
      // computes are not asked for every second.
      const said = answer.state === 'computing' ? (answer.retryAfterSeconds ?? 0) * 1000 : 0;
      const delay = Math.min(maxRetryMs, Math.max(said, retryMs * 2 ** (entry.attempts - 1)));
      entry.timer = timers.setTimeout(() => {
        entry.timer = undefined;
        enqueue(id);
      }, delay);
      return;
    }
    show(id, { state: 'none' });
  }

  function forget(id: string, entry: Entry): void {
    if (entry.timer !== undefined) timers.clearTimeout(entry.timer);
    entry.controller?.abort();
    entries.delete(id);
  }

  return {
    track(posts) {
      if (stopped) return;
      const wanted = new Map(posts.map((p) => [p.id, p.version]));
      for (const [id, entry] of entries) {
        if (!wanted.has(id)) {
          forget(id, entry);
          show(id, undefined);
        }
      }
      for (const [id, version] of wanted) {
        const entry = entries.get(id);
        if (entry && entry.version === version) continue;
        if (entry) forget(id, entry);
        entries.set(id, { version, attempts: 0, timer: undefined, controller: undefined });
        // An edit: the figures of the previous version no longer hold; the new ones are on their way.
        const current = views.get(id);
        show(id, current?.state === 'ready' ? { state: 'computing' } : { state: 'loading' });
        enqueue(id);
      }
    },
    stop() {
      stopped = true;
      for (const [id, entry] of entries) forget(id, entry);
      queue.length = 0;
    },
  };
}

function sameView(a: StatsView, b: StatsView): boolean {
  if (a.state !== b.state) return false;
  if (a.state === 'ready' && b.state === 'ready') return a.stats === b.stats;
  return true;
}
