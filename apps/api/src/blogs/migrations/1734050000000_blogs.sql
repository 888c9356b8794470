-- Up Migration

CREATE TABLE blogs (
  id          uuid PRIMARY KEY,
  owner_id    uuid NOT NULL REFERENCES users (id),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  slug        text NOT NULL CHECK (char_length(slug) <= 100 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  -- Kept by the triggers below, in the transaction of each insert or delete of a post.
  post_count  integer NOT NULL DEFAULT 0 CHECK (post_count >= 0),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  CONSTRAINT blogs_slug_key UNIQUE (slug)
);
-- The listing's keyset order (newest first), overall and per owner.
CREATE INDEX blogs_recent_idx ON blogs (created_at DESC, id DESC);
CREATE INDEX blogs_owner_recent_idx ON blogs (owner_id, created_at DESC, id DESC);

-- No cascade: a blog goes only once its posts are gone, and the blog's deletion removes them one
-- statement earlier so that each gets its PostDeleted. A post written into a blog that is being
-- deleted waits for that deletion and then fails this check instead of outliving its blog.
ALTER TABLE posts ADD CONSTRAINT posts_blog_id_fkey FOREIGN KEY (blog_id) REFERENCES blogs (id);

-- post_count follows the posts table itself, whichever feature writes it (a post deleted through
-- DELETE /api/v1/posts/{id} is uncounted too), in the same transaction, so it is always exact.
-- Statement-level with transition tables: a blog created with 100 posts is one UPDATE, not 100.
CREATE FUNCTION blogs_count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE blogs SET post_count = blogs.post_count + added.n
  FROM (SELECT blog_id, count(*)::integer AS n FROM inserted_posts WHERE blog_id IS NOT NULL GROUP BY blog_id) added
  WHERE blogs.id = added.blog_id;
  RETURN NULL;
END
$$;

CREATE FUNCTION blogs_count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE blogs SET post_count = blogs.post_count - removed.n
  FROM (SELECT blog_id, count(*)::integer AS n FROM deleted_posts WHERE blog_id IS NOT NULL GROUP BY blog_id) removed
  WHERE blogs.id = removed.blog_id;
  RETURN NULL;
END
$$;

-- A post moved between blogs (no operation does it today; the count must not drift if one does).
CREATE FUNCTION blogs_count_moved_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE blogs SET post_count = post_count - 1 WHERE id = OLD.blog_id;
  UPDATE blogs SET post_count = post_count + 1 WHERE id = NEW.blog_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER posts_counted_in_blog_on_insert AFTER INSERT ON posts
  REFERENCING NEW TABLE AS inserted_posts FOR EACH STATEMENT EXECUTE FUNCTION blogs_count_inserted_posts();
CREATE TRIGGER posts_counted_in_blog_on_delete AFTER DELETE ON posts
  REFERENCING OLD TABLE AS deleted_posts FOR EACH STATEMENT EXECUTE FUNCTION blogs_count_deleted_posts();
-- Fires only for statements that set blog_id, so counter updates of posts (views, comments) skip it.
CREATE TRIGGER posts_counted_in_blog_on_move AFTER UPDATE OF blog_id ON posts
  FOR EACH ROW WHEN (OLD.blog_id IS DISTINCT FROM NEW.blog_id) EXECUTE FUNCTION blogs_count_moved_post();

-- Down Migration

DROP TRIGGER posts_counted_in_blog_on_move ON posts;
DROP TRIGGER posts_counted_in_blog_on_delete ON posts;
DROP TRIGGER posts_counted_in_blog_on_insert ON posts;
DROP FUNCTION blogs_count_moved_post();
DROP FUNCTION blogs_count_deleted_posts();
DROP FUNCTION blogs_count_inserted_posts();
ALTER TABLE posts DROP CONSTRAINT posts_blog_id_fkey;
DROP TABLE blogs;
