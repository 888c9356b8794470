-- Up Migration

-- A page of posts is one index range scan with nothing joined: each post's row carries its
-- author's handle and display name and a copy of its two newest comments, all kept in the
-- transactions that change them. (Joining `users` for 20 authors cost PostgreSQL about as much as
-- the rest of the page; a subquery over `comments` per post, three times that.)

ALTER TABLE posts ADD COLUMN author_handle text, ADD COLUMN author_display_name text;
UPDATE posts p SET author_handle = u.handle, author_display_name = u.display_name FROM users u WHERE u.id = p.author_id;
ALTER TABLE posts ALTER COLUMN author_handle SET NOT NULL, ALTER COLUMN author_display_name SET NOT NULL;

-- `json`, not `jsonb`: it is read on every listing and sent as it is, and json's output is its
-- stored text; the rare statements that look inside it cast it.
ALTER TABLE posts ADD COLUMN latest_comments json NOT NULL DEFAULT '[]';

-- Whether the post was created with an image: a page looks up image rows for those posts only.
ALTER TABLE posts ADD COLUMN has_image boolean NOT NULL DEFAULT false;

-- One comment as the API represents it (openapi.yaml's Comment), so that a read sends the copy as
-- it is, without reshaping it.
CREATE FUNCTION posts_comment_json(id uuid, post_id text, author_id uuid, author_handle text, author_display_name text, content text, created_at timestamptz)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', $1, 'post_id', $2, 'author_id', $3,
    'author', jsonb_build_object('id', $3, 'handle', $4, 'display_name', $5),
    'content', $6, 'created_at', to_char($7 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$$;

-- The two newest comments of a post, leaving out one comment (the one a statement is deleting,
-- which that statement still sees).
CREATE FUNCTION posts_latest_comments(post text, leaving_out uuid DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(jsonb_agg(posts_comment_json(c.id, c.post_id, c.author_id, cu.handle, cu.display_name, c.content, c.created_at)
                            ORDER BY c.created_at DESC, c.id DESC), '[]'::jsonb)::json
  FROM (
    SELECT c.* FROM comments c
    WHERE c.post_id = post AND c.id IS DISTINCT FROM leaving_out
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT 2
  ) c
  JOIN users cu ON cu.id = c.author_id
$$;

-- The copy after one more comment: the newest two of the copy and the new one. Merging (rather
-- than prepending) keeps the order right when comments commit in another order than their times.
CREATE FUNCTION posts_latest_with(latest json, comment jsonb) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_agg(e ORDER BY (e ->> 'created_at')::timestamptz DESC, (e ->> 'id')::uuid DESC)::json
  FROM (
    SELECT e FROM jsonb_array_elements(latest::jsonb || jsonb_build_array(comment)) e
    ORDER BY (e ->> 'created_at')::timestamptz DESC, (e ->> 'id')::uuid DESC
    LIMIT 2
  ) newest
$$;

UPDATE posts SET latest_comments = posts_latest_comments(id) WHERE comment_count > 0;

-- A user who changes their handle or display name: their posts and the copies of their comments
-- follow, in the same transaction. A post or comment being written at that moment holds a share
-- lock on its author's row, so it either commits before the rename, and is found here, or reads
-- the new name. (A prolific author's rename rewrites every post of theirs: a rare, bounded cost.)
CREATE INDEX comments_author_idx ON comments (author_id);

CREATE FUNCTION posts_follow_user_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE posts SET author_handle = NEW.handle, author_display_name = NEW.display_name WHERE author_id = NEW.id;
  UPDATE posts SET latest_comments = posts_latest_comments(posts.id)
  WHERE posts.id IN (SELECT post_id FROM comments WHERE author_id = NEW.id)
    AND posts.latest_comments::jsonb @> jsonb_build_array(jsonb_build_object('author_id', NEW.id));
  RETURN NULL;
END
$$;

CREATE TRIGGER posts_follow_user_rename AFTER UPDATE OF handle, display_name ON users
  FOR EACH ROW WHEN (OLD.handle IS DISTINCT FROM NEW.handle OR OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION posts_follow_user_rename();

-- Down Migration

DROP TRIGGER posts_follow_user_rename ON users;
DROP FUNCTION posts_follow_user_rename();
DROP INDEX comments_author_idx;
DROP FUNCTION posts_latest_with(json, jsonb);
DROP FUNCTION posts_latest_comments(text, uuid);
DROP FUNCTION posts_comment_json(uuid, text, uuid, text, text, text, timestamptz);
ALTER TABLE posts DROP COLUMN has_image, DROP COLUMN latest_comments, DROP COLUMN author_display_name, DROP COLUMN author_handle;
