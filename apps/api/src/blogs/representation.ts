import type { BlogCreatedData } from '@herald/event-schemas';
import type { components } from '../openapi/contract.generated.js';
import type { BlogRow } from './repository.js';

export type Blog = components['schemas']['Blog'];
export type BlogPage = components['schemas']['BlogPage'];
export type BlogSnapshot = BlogCreatedData['blog'];

/** The blog as the API returns it (without `posts`, which a read adds when asked). */
export const toBlog = (row: BlogRow): Blog => ({ ...toSnapshot(row), post_count: row.post_count });

/** The blog as blog events carry it (its post count changes without an event of the blog). */
export const toSnapshot = (row: Omit<BlogRow, 'post_count'>): BlogSnapshot => ({
  id: row.id,
  owner_id: row.owner_id,
  name: row.name,
  slug: row.slug,
  description: row.description,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  version: row.version,
});
