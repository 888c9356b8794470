-- Up Migration

-- Post ids are text: a client may choose one (retry-safe creation), otherwise it is a UUIDv7.
CREATE TABLE posts (
  id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  author_id     uuid NOT NULL REFERENCES users (id),
  blog_id       uuid,
  title         text NOT NULL DEFAULT '' CHECK (char_length(title) <= 200),
  content       text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 1000),
  -- Changed in the transaction of each comment, so it is always exact.
  comment_count integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
  -- Reads gathered in memory and added in batches: may lag by a few seconds.
  view_count    bigint NOT NULL DEFAULT 0 CHECK (view_count >= 0),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  version       integer NOT NULL DEFAULT 1 CHECK (version >= 1)
);
-- The listings' keyset orders, each filter's too: a page is one index range scan.
CREATE INDEX posts_recent_idx ON posts (created_at DESC, id DESC);
CREATE INDEX posts_comments_idx ON posts (comment_count DESC, created_at DESC, id DESC);
CREATE INDEX posts_author_recent_idx ON posts (author_id, created_at DESC, id DESC);
CREATE INDEX posts_author_comments_idx ON posts (author_id, comment_count DESC, created_at DESC, id DESC);
CREATE INDEX posts_blog_recent_idx ON posts (blog_id, created_at DESC, id DESC) WHERE blog_id IS NOT NULL;
CREATE INDEX posts_blog_comments_idx ON posts (blog_id, comment_count DESC, created_at DESC, id DESC) WHERE blog_id IS NOT NULL;

CREATE TABLE comments (
  id         uuid PRIMARY KEY,
  post_id    text NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  author_id  uuid NOT NULL REFERENCES users (id),
  content    text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 255),
  created_at timestamptz NOT NULL
);
-- Newest first per post: the listing, and the two newest of each post in a page.
CREATE INDEX comments_post_idx ON comments (post_id, created_at DESC, id DESC);

-- Down Migration

DROP TABLE comments;
DROP TABLE posts;
