import { eventCatalog, type HeraldEvent, type TopicKey } from '@herald/event-schemas';
import type { Principal } from '../auth/principal.js';

/**
 * Who may see an event on the stream, beyond admins (who see every event). One rule per topic a
 * user may see anything of; a topic without a rule is for admins only. Later features add theirs
 * here: posts of the blogs one follows, comments on one's posts, one's notifications.
 */
export interface VisibilityRule {
  topic: TopicKey;
  /** Whether `principal` may see `event`, an event of `topic`. */
  visibleTo(event: HeraldEvent, principal: Principal): boolean;
}

/** The users a post or comment event concerns: the post's author, and a comment's author. */
function concernedByPostEvent(event: HeraldEvent): string[] {
  switch (event.type) {
    case 'PostCreated':
    case 'PostUpdated':
      return [event.data.post.author_id];
    case 'PostDeleted':
    case 'PostImageUploaded':
    case 'PostImageReady':
    case 'PostImageRejected':
    case 'PostImageRemoved':
      return [event.data.author_id];
    case 'CommentAdded':
      return [event.data.post_author_id, event.data.comment.author_id];
    case 'CommentDeleted':
      return [event.data.post_author_id, event.data.author_id];
    default:
      return [];
  }
}

function concernedByBlogEvent(event: HeraldEvent): string[] {
  switch (event.type) {
    case 'BlogCreated':
    case 'BlogUpdated':
      return [event.data.blog.owner_id];
    case 'BlogDeleted':
      return [event.data.owner_id];
    default:
      return [];
  }
}

export const visibilityRules: readonly VisibilityRule[] = [
  // Events about one's own account (its subject is the user id: a UserFollowed is the followed
  // user's, which is how "someone followed you" arrives live), and one's own follows.
  {
    topic: 'users',
    visibleTo: (event, principal) =>
      event.subject === principal.userId ||
      ((event.type === 'UserFollowed' || event.type === 'UserUnfollowed') && event.data.follower_id === principal.userId),
  },
  // One's own posts, and comments on them or by oneself.
  { topic: 'posts', visibleTo: (event, principal) => concernedByPostEvent(event).includes(principal.userId) },
  { topic: 'blogs', visibleTo: (event, principal) => concernedByBlogEvent(event).includes(principal.userId) },
];

/**
 * The filter of one stream: which events its principal may see. It applies alike to live events
 * and to those replayed on a resume.
 */
export function visibilityFilter(principal: Principal, rules: readonly VisibilityRule[] = visibilityRules): (event: HeraldEvent) => boolean {
  if (principal.role === 'admin') return () => true;
  const byTopic = new Map<TopicKey, VisibilityRule[]>();
  for (const rule of rules) byTopic.set(rule.topic, [...(byTopic.get(rule.topic) ?? []), rule]);
  return (event) => byTopic.get(eventCatalog[event.type].topic)?.some((rule) => rule.visibleTo(event, principal)) ?? false;
}
