-- Up Migration

-- Each post keeps the JSON a listing sends for it (openapi.yaml's Post, without the image, which is
-- the images feature's), so a page is the concatenation of stored text: building it per read
-- (`json_build_object` and two `to_char`s per post) cost PostgreSQL more than the rest of the page.
-- A trigger rebuilds it in every statement that writes the row, whatever writes it (a comment, an
-- edit, a batch of views, an author's rename), so it cannot fall behind the columns it shows.

CREATE FUNCTION posts_listed_json(p posts) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT json_build_object(
    'id', p.id, 'author_id', p.author_id,
    'author', json_build_object('id', p.author_id, 'handle', p.author_handle, 'display_name', p.author_display_name),
    'blog_id', p.blog_id, 'title', p.title, 'content', p.content,
    'comment_count', p.comment_count, 'view_count', p.view_count, 'latest_comments', p.latest_comments,
    'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'version', p.version)::text
$$;

CREATE FUNCTION posts_keep_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.listed := posts_listed_json(NEW);
  RETURN NEW;
END
$$;

ALTER TABLE posts ADD COLUMN listed text;
UPDATE posts SET listed = posts_listed_json(posts);
ALTER TABLE posts ALTER COLUMN listed SET NOT NULL;

CREATE TRIGGER posts_keep_listed BEFORE INSERT OR UPDATE ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_keep_listed();

-- Down Migration

DROP TRIGGER posts_keep_listed ON posts;
ALTER TABLE posts DROP COLUMN listed;
DROP FUNCTION posts_keep_listed();
DROP FUNCTION posts_listed_json(posts);
