/**
 * Every error the API answers with on purpose, created one way: a code, a status, a title and a
 * problem type. Handlers throw these; `plugins/error-handler.ts` turns any of them into
 * `application/problem+json`. Codes are never reused.
 */
export const problemTypes = {
  HERALD_VALIDATION_FAILED: { status: 400, title: 'Request validation failed', slug: 'validation-failed' },
  HERALD_INVALID_CURSOR: { status: 400, title: 'Invalid pagination cursor', slug: 'invalid-cursor' },
  HERALD_MALFORMED_BODY: { status: 400, title: 'Malformed request body', slug: 'malformed-body' },
  HERALD_DUPLICATE_KEY: { status: 400, title: 'Duplicate key in JSON body', slug: 'duplicate-key' },
  HERALD_UNAUTHORIZED: { status: 401, title: 'Authentication required', slug: 'unauthorized' },
  HERALD_INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials', slug: 'invalid-credentials' },
  HERALD_INVALID_REFRESH_TOKEN: { status: 401, title: 'Invalid refresh token', slug: 'invalid-refresh-token' },
  HERALD_FORBIDDEN: { status: 403, title: 'Forbidden', slug: 'forbidden' },
  HERALD_NOT_FOUND: { status: 404, title: 'Resource not found', slug: 'not-found' },
  HERALD_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', slug: 'method-not-allowed' },
  HERALD_DUPLICATE_HANDLE: { status: 409, title: 'Handle already taken', slug: 'duplicate-handle' },
  HERALD_DUPLICATE_POST_ID: { status: 409, title: 'Post id already taken', slug: 'duplicate-post-id' },
  HERALD_DUPLICATE_ADJUSTMENT_ID: { status: 409, title: 'Stock adjustment id already taken', slug: 'duplicate-adjustment-id' },
  HERALD_DUPLICATE_SLUG: { status: 409, title: 'Blog slug already taken', slug: 'duplicate-slug' },
  HERALD_FOLLOW_SELF: { status: 409, title: 'Cannot follow oneself', slug: 'follow-self' },
  HERALD_DUPLICATE_SKU: { status: 409, title: 'SKU already in use', slug: 'duplicate-sku' },
  HERALD_INSUFFICIENT_STOCK: { status: 409, title: 'Insufficient stock', slug: 'insufficient-stock' },
  HERALD_STOCK_LIMIT: { status: 409, title: 'Stock would exceed its maximum', slug: 'stock-limit' },
  HERALD_IMAGE_NOT_PENDING: { status: 409, title: 'Image not awaiting its upload', slug: 'image-not-pending' },
  HERALD_UPLOAD_INCOMPLETE: { status: 409, title: 'Upload incomplete', slug: 'upload-incomplete' },
  HERALD_PRECONDITION_FAILED: { status: 412, title: 'Precondition failed', slug: 'precondition-failed' },
  HERALD_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', slug: 'payload-too-large' },
  HERALD_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', slug: 'unsupported-media-type' },
  HERALD_BAD_REQUEST: { status: 400, title: 'Bad request', slug: 'bad-request' },
  HERALD_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout', slug: 'request-timeout' },
  HERALD_HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large', slug: 'headers-too-large' },
  HERALD_RATE_LIMITED: { status: 429, title: 'Too many requests', slug: 'rate-limited' },
  HERALD_TOO_MANY_STREAMS: { status: 429, title: 'Too many open event streams', slug: 'too-many-streams' },
  HERALD_INTERNAL: { status: 500, title: 'Internal server error', slug: 'internal' },
  HERALD_UNAVAILABLE: { status: 503, title: 'Service unavailable', slug: 'unavailable' },
} as const;

export type ProblemCode = keyof typeof problemTypes;

export interface FieldError {
  in: 'body' | 'query' | 'path' | 'header';
  /** Dotted path of the field, e.g. `price.amount`. */
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;
  /** Response headers the problem comes with (`WWW-Authenticate`, `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly fieldErrors: FieldError[] = [],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
    const problem = problemTypes[code];
    this.name = 'HttpProblem';
    this.status = problem.status;
    this.title = problem.title;
    this.type = `urn:herald:problem:${problem.slug}`;
  }
}

export const notFound = (what: string, id: string) =>
  new HttpProblem('HERALD_NOT_FOUND', `${what} ${id} does not exist`);
