import { lowStockWarningSchema } from './events/low-stock-warning.js';
import { productCreatedSchema } from './events/product-created.js';
import { productDeletedSchema } from './events/product-deleted.js';
import { productUpdatedSchema } from './events/product-updated.js';
import { stockAdjustedSchema } from './events/stock-adjusted.js';
import { userRegisteredSchema } from './events/user-registered.js';
import { userUpdatedSchema } from './events/user-updated.js';
import { blogCreatedSchema } from './events/blog-created.js';
import { blogUpdatedSchema } from './events/blog-updated.js';
import { blogDeletedSchema } from './events/blog-deleted.js';
import { postCreatedSchema } from './events/post-created.js';
import { postUpdatedSchema } from './events/post-updated.js';
import { postDeletedSchema } from './events/post-deleted.js';
import { commentAddedSchema } from './events/comment-added.js';
import { commentDeletedSchema } from './events/comment-deleted.js';
import { userFollowedSchema } from './events/user-followed.js';
import { userUnfollowedSchema } from './events/user-unfollowed.js';
import { postImageUploadedSchema } from './events/post-image-uploaded.js';
import { postImageReadySchema } from './events/post-image-ready.js';
import { postImageRejectedSchema } from './events/post-image-rejected.js';
import { postImageRemovedSchema } from './events/post-image-removed.js';
import type { TopicKey } from './topics.js';

/**
 * Every event Herald publishes: its type, schema version, topic and the JSON Schema of the whole
 * CloudEvent. Validators, the AsyncAPI document and the published JSON files are derived from
 * this list, so adding an event here is the only registration step.
 */
export const eventCatalog = {
  ProductCreated: { version: 1, topic: 'products', schema: productCreatedSchema },
  ProductUpdated: { version: 1, topic: 'products', schema: productUpdatedSchema },
  ProductDeleted: { version: 1, topic: 'products', schema: productDeletedSchema },
  StockAdjusted: { version: 1, topic: 'products', schema: stockAdjustedSchema },
  LowStockWarning: { version: 1, topic: 'products', schema: lowStockWarningSchema },
  UserRegistered: { version: 1, topic: 'users', schema: userRegisteredSchema },
  UserUpdated: { version: 1, topic: 'users', schema: userUpdatedSchema },
  UserFollowed: { version: 1, topic: 'users', schema: userFollowedSchema },
  UserUnfollowed: { version: 1, topic: 'users', schema: userUnfollowedSchema },
  BlogCreated: { version: 1, topic: 'blogs', schema: blogCreatedSchema },
  BlogUpdated: { version: 1, topic: 'blogs', schema: blogUpdatedSchema },
  BlogDeleted: { version: 1, topic: 'blogs', schema: blogDeletedSchema },
  PostCreated: { version: 1, topic: 'posts', schema: postCreatedSchema },
  PostUpdated: { version: 1, topic: 'posts', schema: postUpdatedSchema },
  PostDeleted: { version: 1, topic: 'posts', schema: postDeletedSchema },
  CommentAdded: { version: 1, topic: 'posts', schema: commentAddedSchema },
  CommentDeleted: { version: 1, topic: 'posts', schema: commentDeletedSchema },
  PostImageUploaded: { version: 1, topic: 'posts', schema: postImageUploadedSchema },
  PostImageReady: { version: 1, topic: 'posts', schema: postImageReadySchema },
  PostImageRejected: { version: 1, topic: 'posts', schema: postImageRejectedSchema },
  PostImageRemoved: { version: 1, topic: 'posts', schema: postImageRemovedSchema },
} as const satisfies Record<string, { version: number; topic: TopicKey; schema: { $id: string } }>;

export type EventType = keyof typeof eventCatalog;

export const eventTypes = Object.keys(eventCatalog) as EventType[];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventCatalog, value);
}
