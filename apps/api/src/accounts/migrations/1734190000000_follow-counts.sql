-- Up Migration

-- How many follow a user and how many they follow, shown on profiles; the follows feature keeps
-- them exact, in the transaction of each follow and unfollow.
ALTER TABLE users
  ADD COLUMN follower_count integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
  ADD COLUMN following_count integer NOT NULL DEFAULT 0 CHECK (following_count >= 0);

-- Down Migration

ALTER TABLE users DROP COLUMN following_count, DROP COLUMN follower_count;
