-- Up Migration

-- The image of a post (at most one): what the author declared, where its upload goes, and what
-- the media worker found. `upload_id` names the current upload; a worker result for another one
-- changes nothing. Deleted with its post.
CREATE TABLE post_images (
  post_id text PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
  upload_id uuid NOT NULL,
  author_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'ready', 'rejected')),
  content_type text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  -- Base64 MD5 the author declared; the worker compares it with the bytes.
  expected_md5 text NOT NULL,
  object_key text NOT NULL,
  -- The S3 multipart upload, while one is open.
  multipart_upload_id text,
  part_size_bytes bigint,
  expires_at timestamptz NOT NULL,
  -- When the upload was seen complete (completion call or safety-net scan), and when
  -- PostImageUploaded was last written for it.
  uploaded_at timestamptz,
  announced_at timestamptz,
  image_key text,
  width integer,
  height integer,
  reason_code text,
  reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- The sweeps read pending images only.
CREATE INDEX post_images_pending ON post_images (expires_at) WHERE status = 'pending';

-- Down Migration

DROP TABLE post_images;
