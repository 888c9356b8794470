import type { HeraldEvent } from '@herald/event-schemas';
import type { NotificationDraft, NotificationStore } from './notification-store.js';

type EventOf<T extends HeraldEvent['type']> = Extract<HeraldEvent, { type: T }>;

/**
 * For each event type that concerns someone, the notifications it makes (none when the actor is
 * the only one concerned, except for what happened to one's own things without anyone doing it).
 * A new kind is one more entry (and its name added to NotificationType).
 */
const rules: { [T in HeraldEvent['type']]?: (event: EventOf<T>) => NotificationDraft[] } = {
  UserFollowed: (event) => [
    {
      userId: event.data.followee_id,
      type: 'followed',
      actorId: event.data.follower_id,
      subject: event.data.followee_id,
      eventId: event.id,
      createdAt: event.time,
    },
  ],
  CommentAdded: (event) =>
    event.data.comment.author_id === event.data.post_author_id
      ? []
      : [
          {
            userId: event.data.post_author_id,
            type: 'commented',
            actorId: event.data.comment.author_id,
            subject: event.data.comment.post_id,
            eventId: event.id,
            createdAt: event.time,
          },
        ],
  CommentDeleted: (event) =>
    event.data.deleted_by === event.data.author_id
      ? []
      : [
          {
            userId: event.data.author_id,
            type: 'comment_deleted',
            actorId: event.data.deleted_by,
            subject: event.data.post_id,
            eventId: event.id,
            createdAt: event.time,
          },
        ],
  // The media worker (or the upload's expiry) refused the author's image: they are told why.
  // Nobody did it to them, so the author stands as the actor, and it is not filtered out.
  PostImageRejected: (event) => [
    {
      userId: event.data.author_id,
      type: 'image_rejected',
      actorId: event.data.author_id,
      subject: event.data.post_id,
      reason: event.data.reason,
      eventId: event.id,
      createdAt: event.time,
    },
  ],
};

/** Kinds about what happened to one's own things, which notify even though the user is the actor. */
const ABOUT_ONESELF: ReadonlySet<NotificationDraft['type']> = new Set(['image_rejected']);

/** The notifications an event makes (most events make none). */
export function notificationsFor(event: HeraldEvent): NotificationDraft[] {
  const rule = rules[event.type] as ((event: HeraldEvent) => NotificationDraft[]) | undefined;
  return rule ? rule(event).filter((draft) => draft.userId !== draft.actorId || ABOUT_ONESELF.has(draft.type)) : [];
}

/** Notification writes one batch keeps in flight. */
const NOTIFY_CONCURRENCY = 8;

/**
 * Writes the notifications of these events. Each write is conditional on a key made from the
 * event (its time and id), so a redelivered batch writes nothing twice and leaves read ones read.
 */
export async function notify(
  events: readonly HeraldEvent[],
  deps: { notifications: NotificationStore; signal?: AbortSignal },
): Promise<number> {
  const queue = events.flatMap(notificationsFor);
  let written = 0;
  const worker = async () => {
    for (let draft = queue.shift(); draft; draft = queue.shift()) {
      if (await deps.notifications.put(draft, deps.signal ? { signal: deps.signal } : {})) written++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(NOTIFY_CONCURRENCY, queue.length) }, worker));
  return written;
}
