import { retryAfterSeconds } from '../auth/retry-after.js';
import type { ConsumerLag } from './consumer-lag.js';
import type { CommentPage, EventRates, ImageMultipart, ImageUpload, Inventory, Post, PostCreate, PostPage, PostSort, PostStats, Product, ProductPage, UserProfile } from './types.js';

/** A non-2xx answer, with the problem title when the API sent application/problem+json. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** From `Retry-After` (429, 503), when the API said how long to wait. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The error for a non-2xx answer: the problem's detail or title when there is one. */
export async function apiError(method: string, path: string, response: Response): Promise<ApiError> {
  let detail = response.statusText;
  try {
    const problem = (await response.json()) as { title?: string; detail?: string };
    detail = problem.detail ?? problem.title ?? detail;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, `${method} ${path}: ${response.status} ${detail}`, retryAfterSeconds(response.headers.get('retry-after')));
}

async function getJson<T>(path: string, fetchFn: Fetch, signal?: AbortSignal): Promise<T> {
  const response = await fetchFn(path, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw await apiError('GET', path, response);
  return (await response.json()) as T;
}

/** Where the dashboard's access token comes from, and how a rejected one is replaced. */
export interface AccessTokens {
  /** The current access token; undefined when signed out. */
  accessToken(): string | undefined;
  /**
   * Gets a new access token after `rejected` was answered 401. Calls made at the same time share
   * one refresh (a refresh token is single use). False when no new token could be had.
   */
  renewAfterRejection(rejected: string): Promise<boolean>;
}

function withBearer(init: RequestInit | undefined, token: string | undefined): RequestInit {
  const headers = new Headers(init?.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

/**
 * `fetch` for every call of the dashboard to the API: it sends `Authorization: Bearer` with the
 * current access token and, when the API answers 401, retries once with a renewed token. When
 * none can be had, the 401 is returned as it is.
 */
export function authorizedFetch(tokens: AccessTokens, fetchFn: Fetch = fetch): Fetch {
  return async (input, init) => {
    const token = tokens.accessToken();
    const response = await fetchFn(input, withBearer(init, token));
    if (response.status !== 401 || token === undefined || init?.signal?.aborted) return response;
    if (!(await tokens.renewAfterRejection(token))) return response;
    const renewed = tokens.accessToken();
    if (renewed === undefined || renewed === token) return response;
    await response.body?.cancel().catch(() => {});
    return fetchFn(input, withBearer(init, renewed));
  };
}

/** A single-use ticket that opens one connection to the event stream. */
export interface StreamTicket {
  ticket: string;
  /** Seconds the ticket stays valid. */
  expires_in: number;
}

/** A ticket for the next stream connection (EventSource cannot send an Authorization header). */
export async function requestStreamTicket(fetchFn: Fetch, signal?: AbortSignal): Promise<StreamTicket> {
  const path = '/api/v1/events/stream-tickets';
  const response = await fetchFn(path, { method: 'POST', headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw await apiError('POST', path, response);
  return (await response.json()) as StreamTicket;
}

/** Largest page the API allows. */
const PAGE_SIZE = 100;
/** Stop after this many pages so a runaway cursor cannot loop forever (10,000 products). */
const MAX_PAGES = 100;

/** Every product, following next_cursor until the last page. */
export async function fetchAllProducts(fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<Product[]> {
  const products: Product[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set('cursor', cursor);
    const result: ProductPage = await getJson<ProductPage>(`/api/v1/products?${query}`, fetchFn, signal);
    products.push(...result.items);
    cursor = result.next_cursor;
    if (!cursor) break;
  }
  return products;
}

/** One product; undefined when there is no such product (any more). */
export async function fetchProduct(id: string, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<Product | undefined> {
  try {
    return await getJson<Product>(`/api/v1/products/${encodeURIComponent(id)}`, fetchFn, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export function fetchEventRates(minutes: number, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<EventRates> {
  return getJson<EventRates>(`/api/v1/analytics/events?minutes=${minutes}`, fetchFn, signal);
}

export function fetchInventory(fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<Inventory> {
  return getJson<Inventory>('/api/v1/analytics/inventory', fetchFn, signal);
}

export function fetchConsumerLag(fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<ConsumerLag> {
  return getJson<ConsumerLag>('/api/v1/analytics/consumer-lag', fetchFn, signal);
}

/** A page of posts, newest or most commented first, each with its two newest comments. */
export function fetchPostPage(sort: PostSort, limit: number, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<PostPage> {
  const query = new URLSearchParams({ sort, limit: String(limit) });
  return getJson<PostPage>(`/api/v1/posts?${query}`, fetchFn, signal);
}

/**
 * A post's newest comments. Read from the comments listing rather than `GET /api/v1/posts/{id}`,
 * which counts a view: the dashboard is not a reader.
 */
export async function fetchLatestComments(postId: string, limit: number, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<CommentPage | undefined> {
  try {
    return await getJson<CommentPage>(`/api/v1/posts/${encodeURIComponent(postId)}/comments?limit=${limit}`, fetchFn, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined; // the post is gone
    throw error;
  }
}

/** A user's public profile; undefined when there is no such user. */
export async function fetchUser(id: string, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<UserProfile | undefined> {
  try {
    return await getJson<UserProfile>(`/api/v1/users/${encodeURIComponent(id)}`, fetchFn, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** What `GET /api/v1/posts/{id}/stats` answered. */
export type PostStatsAnswer =
  | { state: 'ready'; stats: PostStats }
  /** 202: not computed yet; ask again after `retryAfterSeconds` when the API said. */
  | { state: 'computing'; retryAfterSeconds: number | undefined }
  /** Anything else (no such post, no statistics here, an error): nothing to show. */
  | { state: 'unavailable'; status: number };

export async function fetchPostStats(postId: string, fetchFn: Fetch = fetch, signal?: AbortSignal): Promise<PostStatsAnswer> {
  const response = await fetchFn(`/api/v1/posts/${encodeURIComponent(postId)}/stats`, { headers: { accept: 'application/json' }, signal });
  if (response.status === 202) {
    await response.body?.cancel().catch(() => {});
    return { state: 'computing', retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')) };
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    return { state: 'unavailable', status: response.status };
  }
  return { state: 'ready', stats: (await response.json()) as PostStats };
}

async function postJson<T>(path: string, body: unknown, fetchFn: Fetch, signal?: AbortSignal): Promise<T> {
  const response = await fetchFn(path, {
    method: 'POST',
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal,
  });
  if (!response.ok) throw await apiError('POST', path, response);
  return (await response.json()) as T;
}

/** Writes a post; with `image`, the answer carries `upload`, the presigned request for its bytes. */
export function createPost(input: PostCreate, fetchFn: Fetch, signal?: AbortSignal): Promise<Post> {
  return postJson<Post>('/api/v1/posts', input, fetchFn, signal);
}

/** Says that the image's bytes are in storage; the answer is the post, its image `pending` until converted. */
export function completeImageUpload(postId: string, fetchFn: Fetch, signal?: AbortSignal): Promise<Post> {
  return postJson<Post>(`/api/v1/posts/${encodeURIComponent(postId)}/image/complete`, undefined, fetchFn, signal);
}

/** Starts (or starts again) the multipart upload of a post's image: a presigned PUT URL per part. */
export function startImageMultipart(postId: string, fetchFn: Fetch, signal?: AbortSignal): Promise<ImageMultipart> {
  return postJson<ImageMultipart>(`/api/v1/posts/${encodeURIComponent(postId)}/image/multipart`, {}, fetchFn, signal);
}

/** The parts storage has received, and fresh URLs for those still missing; undefined when no multipart upload is in progress. */
export async function fetchImageParts(postId: string, fetchFn: Fetch, signal?: AbortSignal): Promise<ImageMultipart | undefined> {
  try {
    return await getJson<ImageMultipart>(`/api/v1/posts/${encodeURIComponent(postId)}/image/parts`, fetchFn, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return undefined;
    throw error;
  }
}

/** Storage refused an upload (the policy's size, type or expiry); `code` is S3's error code when it sent one. */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/**
 * Sends the file straight to storage with the presigned POST policy the API gave: a
 * multipart/form-data request with every one of its fields, then the file as the last field.
 * `fetchFn` must be plain fetch: the API's bearer token never goes to storage.
 */
export async function uploadToStorage(upload: ImageUpload, file: Blob, fetchFn: Fetch, signal?: AbortSignal): Promise<void> {
  if (upload.method !== 'POST') throw new StorageError(0, undefined, `the API asked for an upload by ${upload.method}, which the dashboard does not send`);
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
  form.append('file', file);
  let response: Response;
  try {
    response = await fetchFn(upload.url, { method: 'POST', body: form, signal, credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new StorageError(0, undefined, `storage could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  await storageAnswer(response);
}

/** Sends one part of a multipart upload with its presigned PUT URL (plain fetch, as above). */
export async function uploadPart(url: string, part: Blob, fetchFn: Fetch, signal?: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetchFn(url, { method: 'PUT', body: part, signal, credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new StorageError(0, undefined, `storage could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  await storageAnswer(response);
}

async function storageAnswer(response: Response): Promise<void> {
  if (response.ok) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  const text = await response.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  throw new StorageError(response.status, code, `storage refused the upload: ${response.status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`);
}
