import { EVENT_TYPES, type EventType } from '../api/types.js';

/** What an event is about: the filter and the chart legend group the types by it. */
export type EventGroup = 'Products' | 'Accounts' | 'Follows' | 'Blogs' | 'Posts' | 'Comments' | 'Other';

export interface EventTypeMeta {
  /** Says what happened to what, on its own: the list's tag, the chart's tooltip. */
  label: string;
  /** Within its group, where the group already says what: the filter chips, the legend. */
  short: string;
  group: EventGroup;
  color: string;
}

/**
 * How each event type looks. Twenty colours cannot all be told apart at a glance, so each
 * aggregate has a hue of its own and the action is its shade: created in the middle, updated
 * lighter, deleted darkest. Stock and low-stock events keep colours of their own (teal, the
 * orange of the low-stock alerts); account events are greys, follows cyan.
 */
export const EVENT_TYPE_META: Record<EventType, EventTypeMeta> = {
  ProductCreated: { label: 'Product created', short: 'Created', group: 'Products', color: '#2563eb' },
  ProductUpdated: { label: 'Product updated', short: 'Updated', group: 'Products', color: '#60a5fa' },
  ProductDeleted: { label: 'Product deleted', short: 'Deleted', group: 'Products', color: '#1e3a8a' },
  StockAdjusted: { label: 'Stock adjusted', short: 'Stock adjusted', group: 'Products', color: '#0d9488' },
  LowStockWarning: { label: 'Low stock', short: 'Low stock', group: 'Products', color: '#ea580c' },
  UserRegistered: { label: 'User registered', short: 'Registered', group: 'Accounts', color: '#475569' },
  UserUpdated: { label: 'User updated', short: 'Updated', group: 'Accounts', color: '#94a3b8' },
  UserFollowed: { label: 'User followed', short: 'Followed', group: 'Follows', color: '#0891b2' },
  UserUnfollowed: { label: 'User unfollowed', short: 'Unfollowed', group: 'Follows', color: '#155e75' },
  BlogCreated: { label: 'Blog created', short: 'Created', group: 'Blogs', color: '#db2777' },
  BlogUpdated: { label: 'Blog updated', short: 'Updated', group: 'Blogs', color: '#f472b6' },
  BlogDeleted: { label: 'Blog deleted', short: 'Deleted', group: 'Blogs', color: '#831843' },
  PostCreated: { label: 'Post created', short: 'Created', group: 'Posts', color: '#7c3aed' },
  PostUpdated: { label: 'Post edited', short: 'Edited', group: 'Posts', color: '#a78bfa' },
  PostDeleted: { label: 'Post deleted', short: 'Deleted', group: 'Posts', color: '#4c1d95' },
  CommentAdded: { label: 'Comment added', short: 'Added', group: 'Comments', color: '#65a30d' },
  CommentDeleted: { label: 'Comment deleted', short: 'Deleted', group: 'Comments', color: '#365314' },
  PostImageUploaded: { label: 'Post image uploaded', short: 'Image uploaded', group: 'Posts', color: '#c4b5fd' },
  PostImageReady: { label: 'Post image ready', short: 'Image ready', group: 'Posts', color: '#6d28d9' },
  PostImageRejected: { label: 'Post image rejected', short: 'Image rejected', group: 'Posts', color: '#be123c' },
  PostImageRemoved: { label: 'Post image removed', short: 'Image removed', group: 'Posts', color: '#8b5cf6' },
};

/** The groups in the order they are shown, each with its types in the order of EVENT_TYPES. */
export const EVENT_GROUPS: readonly { group: EventGroup; types: readonly EventType[] }[] = (() => {
  const groups = new Map<EventGroup, EventType[]>();
  for (const type of EVENT_TYPES) {
    const { group } = EVENT_TYPE_META[type];
    groups.set(group, [...(groups.get(group) ?? []), type]);
  }
  return [...groups].map(([group, types]) => ({ group, types }));
})();

/** A type this dashboard does not know (from a newer API): shown by its name, in grey. */
export function metaOf(type: string): EventTypeMeta {
  return (EVENT_TYPE_META as Record<string, EventTypeMeta>)[type] ?? { label: type, short: type, group: 'Other', color: '#cbd5e1' };
}

/** One colour per group, for the chart stacked by group: each group's "created" shade. */
export const GROUP_COLORS: Record<EventGroup, string> = {
  Products: '#2563eb',
  Accounts: '#475569',
  Follows: '#0891b2',
  Blogs: '#db2777',
  Posts: '#7c3aed',
  Comments: '#65a30d',
  Other: '#cbd5e1',
};
