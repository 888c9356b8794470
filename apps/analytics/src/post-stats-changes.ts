import type { HeraldEvent } from '@herald/event-schemas';
import { textStatistics, type TextStatistics } from './text-statistics.js';

/** The figures of one version of a post, to be kept unless something newer is there. */
export interface PostStatsWrite {
  postId: string;
  /** When the post was created: tells two posts that had the same id apart (ids may be chosen again). */
  createdAt: string;
  version: number;
  stats: TextStatistics;
}

/** A post's deletion: its figures go, and no snapshot of a post created until `deletedAt` comes back. */
export interface PostStatsDeletion {
  postId: string;
  deletedAt: string;
  version: number;
}

/** What a batch of events does to the post statistics, at most one write and one deletion per post. */
export interface PostStatsChanges {
  writes: PostStatsWrite[];
  deletions: PostStatsDeletion[];
}

interface Snapshot {
  createdAt: number;
  version: number;
  content: string;
  createdAtText: string;
}

/** (created_at, version) order: a later post under the same id, or a later version of the same post. */
const isNewer = (a: Snapshot, b: Snapshot): boolean =>
  a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.version > b.version);

/**
 * Nets a batch's post events into at most one deletion and one write per post, whose application
 * (deletion, then write: repository.ts) leaves the tables exactly as applying the events one by one
 * would, in any order. That holds because every write follows the same two rules:
 *
 * - a deletion keeps the latest `deleted_at` of the post's deletions and removes figures of posts
 *   created at or before it; a snapshot created at or before the latest deletion is not applied.
 *   So the deletion to keep is the latest one, and the snapshots it rules out can be dropped here;
 * - of the remaining snapshots only the newest (created_at, then version) can end up in the row:
 *   an older one never replaces a newer one, and one of the same version is the same content.
 *
 * The figures are computed here, once per post and batch, from the newest snapshot's content.
 */
export function postStatsChanges(events: readonly HeraldEvent[]): PostStatsChanges {
  const snapshots = new Map<string, Snapshot>();
  const deletions = new Map<string, PostStatsDeletion & { at: number }>();

  for (const event of events) {
    switch (event.type) {
      case 'PostCreated':
      case 'PostUpdated': {
        const { post } = event.data;
        const snapshot = { createdAt: Date.parse(post.created_at), version: post.version, content: post.content, createdAtText: post.created_at };
        const kept = snapshots.get(post.id);
        if (!kept || isNewer(snapshot, kept)) snapshots.set(post.id, snapshot);
        break;
      }
      case 'PostDeleted': {
        const { post_id: postId, deleted_at: deletedAt, version } = event.data;
        const at = Date.parse(deletedAt);
        const kept = deletions.get(postId);
        if (!kept || at > kept.at || (at === kept.at && version > kept.version)) deletions.set(postId, { postId, deletedAt, version, at });
        break;
      }
      default:
        // Other events do not change a post's content: comments (the API reads comment_count from
        // the posts table), and events of other aggregates (a blog's deletion publishes a
        // PostDeleted per post). An event that ever changes a post's content needs a case above.
        break;
    }
  }

  const changes: PostStatsChanges = { writes: [], deletions: [] };
  for (const { at: _at, ...deletion } of deletions.values()) changes.deletions.push(deletion);
  for (const [postId, snapshot] of snapshots) {
    const deletion = deletions.get(postId);
    if (deletion && snapshot.createdAt <= deletion.at) continue;
    changes.writes.push({ postId, createdAt: snapshot.createdAtText, version: snapshot.version, stats: textStatistics(snapshot.content) });
  }
  return changes;
}
