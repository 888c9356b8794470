import type { LowStockWarning } from './events/low-stock-warning.js';
import type { ProductCreated } from './events/product-created.js';
import type { ProductDeleted } from './events/product-deleted.js';
import type { ProductUpdated } from './events/product-updated.js';
import type { StockAdjusted } from './events/stock-adjusted.js';
import type { UserRegistered } from './events/user-registered.js';
import type { UserUpdated } from './events/user-updated.js';
import type { UserFollowed } from './events/user-followed.js';
import type { UserUnfollowed } from './events/user-unfollowed.js';
import type { BlogCreated } from './events/blog-created.js';
import type { BlogUpdated } from './events/blog-updated.js';
import type { BlogDeleted } from './events/blog-deleted.js';
import type { PostCreated } from './events/post-created.js';
import type { PostUpdated } from './events/post-updated.js';
import type { PostDeleted } from './events/post-deleted.js';
import type { CommentAdded } from './events/comment-added.js';
import type { CommentDeleted } from './events/comment-deleted.js';
import type { PostImageUploaded } from './events/post-image-uploaded.js';
import type { PostImageReady } from './events/post-image-ready.js';
import type { PostImageRejected } from './events/post-image-rejected.js';
import type { PostImageRemoved } from './events/post-image-removed.js';

/** Any Herald event; narrow it with `event.type`. */
export type HeraldEvent =
  | ProductCreated
  | ProductUpdated
  | ProductDeleted
  | StockAdjusted
  | LowStockWarning
  | UserRegistered
  | UserUpdated
  | UserFollowed
  | UserUnfollowed
  | BlogCreated
  | BlogUpdated
  | BlogDeleted
  | PostCreated
  | PostUpdated
  | PostDeleted
  | CommentAdded
  | CommentDeleted
  | PostImageUploaded
  | PostImageReady
  | PostImageRejected
  | PostImageRemoved;

/** The event whose `type` is T. */
export type EventOfType<T extends HeraldEvent['type']> = Extract<HeraldEvent, { type: T }>;

/** The `data` payload of the event whose `type` is T. */
export type EventData<T extends HeraldEvent['type']> = EventOfType<T>['data'];
