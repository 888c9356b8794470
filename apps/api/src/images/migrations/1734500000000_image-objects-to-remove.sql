-- Up Migration

-- What storage still holds of uploads no post has any more: an image deleted with its post (alone,
-- or with its blog), or a worker verdict about an upload whose post is already gone (the worker
-- converted it meanwhile). A row is written in the transaction that drops the image, so storage
-- being away delays the removal and never loses it; the images feature removes the upload's
-- objects (an open multipart upload, the original, the converted JPEG, the worker's rejection
-- note), then the row. `generation` counts the times the removal was asked for, so that a removal
-- already under way does not delete a row queued again after it began.
CREATE TABLE image_objects_to_remove (
  post_id text NOT NULL,
  upload_id uuid NOT NULL,
  multipart_upload_id text,
  queued_at timestamptz NOT NULL,
  generation integer NOT NULL DEFAULT 1,
  -- Not before: a removal that failed waits (longer after each failure) before the next try.
  attempt_after timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  PRIMARY KEY (post_id, upload_id)
);

CREATE INDEX image_objects_to_remove_due ON image_objects_to_remove (attempt_after);

CREATE FUNCTION post_images_queue_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO image_objects_to_remove (post_id, upload_id, multipart_upload_id, queued_at, attempt_after)
  VALUES (OLD.post_id, OLD.upload_id, OLD.multipart_upload_id, clock_timestamp(), clock_timestamp())
  ON CONFLICT (post_id, upload_id) DO UPDATE
    SET multipart_upload_id = COALESCE(EXCLUDED.multipart_upload_id, image_objects_to_remove.multipart_upload_id),
        queued_at = EXCLUDED.queued_at,
        generation = image_objects_to_remove.generation + 1,
        attempt_after = EXCLUDED.attempt_after;
  RETURN OLD;
END
$$;

-- Every way an image row goes (its post deleted, its blog deleted with the post) queues its objects.
CREATE TRIGGER post_images_queue_removal AFTER DELETE ON post_images
  FOR EACH ROW EXECUTE FUNCTION post_images_queue_removal();

-- Down Migration

DROP TRIGGER post_images_queue_removal ON post_images;
DROP FUNCTION post_images_queue_removal();
DROP TABLE image_objects_to_remove;
