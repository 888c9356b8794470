import type { components } from '../openapi/contract.generated.js';
import type { PostSnapshotData } from './types.js';

/** A row of `posts` joined with its author, as the repository returns it. */
export interface PostRow {
  id: string;
  author_id: string;
  author_handle: string;
  author_display_name: string;
  blog_id: string | null;
  title: string;
  content: string;
  comment_count: number;
  view_count: string | number;
  created_at: Date;
  updated_at: Date;
  version: number;
  /** The two newest comments (listings and reads), kept on the post's row in the contract's shape. */
  latest_comments?: Comment[];
  /** Created with an image: its state is looked up from the images feature. */
  has_image?: boolean;
}

/** A row of `comments` joined with its author. */
export interface CommentRow {
  id: string;
  post_id: string;
  author_id: string;
  author_handle: string;
  author_display_name: string;
  content: string;
  created_at: Date;
}

/** A post and a comment as openapi.yaml defines them (the contract is their one definition). */
export type Post = components['schemas']['Post'];
export type Comment = components['schemas']['Comment'];

export const toComment = (row: CommentRow): Comment => ({
  id: row.id,
  post_id: row.post_id,
  author_id: row.author_id,
  author: { id: row.author_id, handle: row.author_handle, display_name: row.author_display_name },
  content: row.content,
  created_at: row.created_at.toISOString(),
});

export const toPost = (row: PostRow, pendingViews = 0): Post => ({
  id: row.id,
  author_id: row.author_id,
  author: { id: row.author_id, handle: row.author_handle, display_name: row.author_display_name },
  blog_id: row.blog_id,
  title: row.title,
  content: row.content,
  comment_count: row.comment_count,
  view_count: Number(row.view_count) + pendingViews,
  latest_comments: row.latest_comments ?? [],
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  version: row.version,
});

/** The post as post events carry it. */
export const toSnapshot = (row: Pick<PostRow, 'id' | 'author_id' | 'blog_id' | 'title' | 'content' | 'created_at' | 'updated_at' | 'version'>): PostSnapshotData => ({
  id: row.id,
  author_id: row.author_id,
  blog_id: row.blog_id,
  title: row.title,
  content: row.content,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  version: row.version,
});
