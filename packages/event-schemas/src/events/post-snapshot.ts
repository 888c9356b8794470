/** The state of a post as carried in post events (counters are not part of it: they change without an event of the post). */
export const postSnapshotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'author_id', 'blog_id', 'title', 'content', 'created_at', 'updated_at', 'version'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Chosen by the client, or a UUIDv7.' },
    author_id: { type: 'string', format: 'uuid' },
    blog_id: { type: ['string', 'null'], format: 'uuid' },
    title: { type: 'string', maxLength: 200 },
    content: { type: 'string', minLength: 1, maxLength: 1000, description: 'Plain text, trimmed; at most 1000 characters.' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** The state of a blog as carried in blog events. */
export const blogSnapshotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'owner_id', 'name', 'slug', 'description', 'created_at', 'updated_at', 'version'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    owner_id: { type: 'string', format: 'uuid' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    slug: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 100 },
    description: { type: 'string', maxLength: 2000 },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** A comment as carried in comment events. */
export const commentSnapshotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'post_id', 'author_id', 'content', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    post_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    author_id: { type: 'string', format: 'uuid' },
    content: { type: 'string', minLength: 1, maxLength: 255 },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;
