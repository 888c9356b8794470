import type { EventType } from '../api/types.js';

/** How each event type looks: one colour per type in the chips, the list and the chart. */
export const EVENT_TYPE_META: Record<EventType, { label: string; color: string }> = {
  ProductCreated: { label: 'Created', color: '#2563eb' },
  ProductUpdated: { label: 'Updated', color: '#7c3aed' },
  ProductDeleted: { label: 'Deleted', color: '#64748b' },
  StockAdjusted: { label: 'Stock adjusted', color: '#0d9488' },
  LowStockWarning: { label: 'Low stock', color: '#ea580c' },
  UserRegistered: { label: 'User registered', color: '#16a34a' },
  UserUpdated: { label: 'User updated', color: '#ca8a04' },
  BlogCreated: { label: 'Blog created', color: '#0891b2' },
  BlogUpdated: { label: 'Blog updated', color: '#0e7490' },
  BlogDeleted: { label: 'Blog deleted', color: '#475569' },
  PostCreated: { label: 'Post created', color: '#4f46e5' },
  PostUpdated: { label: 'Post edited', color: '#6d28d9' },
  PostDeleted: { label: 'Post deleted', color: '#52525b' },
  CommentAdded: { label: 'Comment added', color: '#059669' },
  CommentDeleted: { label: 'Comment deleted', color: '#71717a' },
};

const unknownType = { label: 'Other', color: '#94a3b8' };

export function metaOf(type: string): { label: string; color: string } {
  return (EVENT_TYPE_META as Record<string, { label: string; color: string }>)[type] ?? unknownType;
}
