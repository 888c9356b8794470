-- Up Migration

-- Statistics of each post's content, one row per live post, computed from PostCreated/PostUpdated.
-- A row only moves forward: it is replaced by a snapshot of a later incarnation of the post id
-- (`post_created_at`: ids may be chosen again once a post is deleted) or of a higher version of
-- the same one, so any delivery order of a post's events ends in the figures of its newest version.
CREATE TABLE analytics.post_stats (
  post_id         text PRIMARY KEY,
  post_created_at timestamptz NOT NULL,
  post_version    integer NOT NULL CHECK (post_version >= 1),
  word_count      integer NOT NULL CHECK (word_count >= 0),
  avg_word_length numeric(6, 2) NOT NULL CHECK (avg_word_length >= 0),
  char_count      integer NOT NULL CHECK (char_count >= 0),
  computed_at     timestamptz NOT NULL
);

-- Tombstones of deleted posts. A PostDeleted removes the post's row and records when the post was
-- deleted: a snapshot of a post created at or before `deleted_at` is of a deleted incarnation and
-- is never applied again, however late it arrives. A post created afterwards under the same id is
-- a new one, and its figures are kept. `deleted_version` is the version the latest deletion ended.
CREATE TABLE analytics.post_stats_deletions (
  post_id         text PRIMARY KEY,
  deleted_at      timestamptz NOT NULL,
  deleted_version integer NOT NULL CHECK (deleted_version >= 1)
);

-- Down Migration

DROP TABLE analytics.post_stats_deletions;
DROP TABLE analytics.post_stats;
