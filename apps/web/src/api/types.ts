/**
 * What the dashboard reads from the API. Event types come from the event contract itself
 * (type-only: nothing of @herald/event-schemas ends up in the bundle); the REST shapes follow
 * openapi.yaml.
 */
import type { HeraldEvent } from '@herald/event-schemas';

export type { HeraldEvent, LowStockWarning } from '@herald/event-schemas';

export type EventType = HeraldEvent['type'];

/** Every event type, in the order the dashboard shows them (filters, legend, colours). */
export const EVENT_TYPES = [
  'ProductCreated',
  'ProductUpdated',
  'ProductDeleted',
  'StockAdjusted',
  'LowStockWarning',
  'UserRegistered',
  'UserUpdated',
  'UserFollowed',
  'UserUnfollowed',
  'BlogCreated',
  'BlogUpdated',
  'BlogDeleted',
  'PostCreated',
  'PostUpdated',
  'PostDeleted',
  'PostImageUploaded',
  'PostImageReady',
  'PostImageRejected',
  'PostImageRemoved',
  'CommentAdded',
  'CommentDeleted',
] as const satisfies readonly EventType[];

// Fails to compile when the contract gains an event type that EVENT_TYPES does not list.
type MissingEventType = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
const allEventTypesListed: MissingEventType extends never ? true : false = true;
void allEventTypesListed;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export interface Money {
  /** Minor units (e.g. cents). */
  amount: number;
  currency: string;
}

/** A sum of money, exact at any size (openapi.yaml's MoneyTotal). */
export interface MoneyTotal {
  /** Minor units as a decimal integer string, e.g. "9007199254740993". */
  amount: string;
  currency: string;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: Money;
  stock: number;
  low_stock_threshold: number;
  low_stock: boolean;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ProductPage {
  items: Product[];
  next_cursor: string | null;
}

export interface EventRatePoint {
  /** Start of the minute, ISO date-time. */
  minute: string;
  type: string;
  count: number;
}

export interface EventRates {
  from: string;
  to: string;
  series: EventRatePoint[];
}

export interface LowStockItem {
  id: string;
  sku: string;
  name: string;
  stock: number;
  low_stock_threshold: number;
}

export interface Inventory {
  product_count: number;
  units_in_stock: number;
  stock_value: MoneyTotal[];
  low_stock: LowStockItem[];
  updated_at: string | null;
}

/** Who wrote a post or a comment (openapi.yaml's UserSummary). */
export interface UserSummary {
  id: string;
  handle: string;
  display_name: string;
}

/** A user's public profile (`GET /api/v1/users/{id}`). */
export interface UserProfile extends UserSummary {
  created_at: string;
}

/** A comment: plain text, shown as text only. */
export interface Comment {
  id: string;
  post_id: string;
  author_id: string;
  author: UserSummary;
  content: string;
  created_at: string;
}

/** A post: `title` and `content` are plain text, shown as text only. */
export interface Post {
  id: string;
  author_id: string;
  author: UserSummary;
  blog_id: string | null;
  title: string;
  content: string;
  comment_count: number;
  /** Reads of the post; may lag by a few seconds. */
  view_count: number;
  /** The two newest comments, newest first. */
  latest_comments: Comment[];
  /** The post's image, when it was written with one. */
  image?: PostImage;
  /** Only in the answer to the creation of a post with an image: how to send it to storage. */
  upload?: ImageUpload;
  created_at: string;
  updated_at: string;
  version: number;
}

/** The image types a post may carry (openapi.yaml's ImageDeclaration). */
export type ImageContentType = 'image/png' | 'image/jpeg' | 'image/bmp';

/** An image declared with a new post: its type, exact size and MD5 (base64), before its upload. */
export interface ImageDeclaration {
  content_type: ImageContentType;
  size_bytes: number;
  md5: string;
}

/** A post's image: `pending` until the media worker checked and converted it. */
export interface PostImage {
  status: 'pending' | 'ready' | 'rejected';
  /** When `ready`: a short-lived presigned GET of the 600x600 JPEG. */
  url?: string;
  url_expires_at?: string;
  width?: number;
  height?: number;
  reason_code?: string;
  /** When `rejected`: why, in words. */
  reason?: string;
}

/** How to send the image straight to storage: a presigned POST policy (its `fields`, then the file). */
export interface ImageUpload {
  method: 'POST' | 'PUT';
  url: string;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  expires_at: string;
}

/** A multipart upload of a post's image: what storage received, and a presigned PUT per part still missing. */
export interface ImageMultipart {
  upload_id: string;
  part_size_bytes: number;
  part_count: number;
  size_bytes: number;
  expires_at: string;
  parts_received: { part_number: number; etag: string; size_bytes: number }[];
  parts_missing: { part_number: number; size_bytes: number; method: 'PUT'; url: string; url_expires_at: string }[];
}

/** What `POST /api/v1/posts` takes. */
export interface PostCreate {
  id?: string;
  title?: string;
  content: string;
  image?: ImageDeclaration;
}

export interface PostPage {
  items: Post[];
  next_cursor: string | null;
}

export interface CommentPage {
  items: Comment[];
  next_cursor: string | null;
}

/** How the posts list is ordered: newest first, or most commented first. */
export type PostSort = 'recent' | 'comments';

/** A post's figures, computed asynchronously by the analytics consumer (`GET /api/v1/posts/{id}/stats`). */
export interface PostStats {
  post_id: string;
  /** The version of the post the figures were computed from. */
  post_version: number;
  word_count: number;
  avg_word_length: number;
  char_count: number;
  comment_count?: number;
  view_count?: number;
  computed_at?: string;
}
