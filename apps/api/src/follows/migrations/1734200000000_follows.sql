-- Up Migration

-- Who follows whom. Adding or removing an edge is one row; the counts on users (their columns are
-- the accounts feature's) change in the same transaction, so profiles show exact figures.
CREATE TABLE follows (
  follower_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  followee_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
-- Newest first: a user's followers, and whom a user follows.
CREATE INDEX follows_followers_idx ON follows (followee_id, created_at DESC, follower_id DESC);
CREATE INDEX follows_following_idx ON follows (follower_id, created_at DESC, followee_id DESC);

-- Down Migration

DROP TABLE follows;
