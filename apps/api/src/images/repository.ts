import type { Pool, PoolClient } from '../db/pool.js';

type Queryable = Pool | PoolClient;

/** A row of `post_images`. */
export interface ImageRow {
  post_id: string;
  upload_id: string;
  author_id: string;
  status: 'pending' | 'ready' | 'rejected';
  content_type: string;
  size_bytes: string | number;
  expected_md5: string;
  object_key: string;
  multipart_upload_id: string | null;
  part_size_bytes: string | number | null;
  expires_at: Date;
  uploaded_at: Date | null;
  announced_at: Date | null;
  image_key: string | null;
  width: number | null;
  height: number | null;
  reason_code: string | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewImage {
  postId: string;
  uploadId: string;
  authorId: string;
  contentType: string;
  sizeBytes: number;
  expectedMd5: string;
  objectKey: string;
  expiresAt: Date;
  createdAt: Date;
}

export async function insertImage(client: PoolClient, image: NewImage): Promise<ImageRow> {
  const { rows } = await client.query<ImageRow>({
    name: 'post-images-insert',
    text: `INSERT INTO post_images (post_id, upload_id, author_id, status, content_type, size_bytes, expected_md5, object_key, expires_at, created_at, updated_at)
      VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
    values: [image.postId, image.uploadId, image.authorId, image.contentType, image.sizeBytes, image.expectedMd5, image.objectKey, image.expiresAt, image.createdAt],
  });
  return rows[0]!;
}

/** Drops the post's image (a trigger queues its upload's objects for removal); the row that went, if any. */
export async function deleteImage(client: PoolClient, postId: string): Promise<ImageRow | undefined> {
  const { rows } = await client.query<ImageRow>({ name: 'post-images-delete', text: 'DELETE FROM post_images WHERE post_id = $1 RETURNING *', values: [postId] });
  return rows[0];
}

export async function findImage(db: Queryable, postId: string): Promise<ImageRow | undefined> {
  const { rows } = await db.query<ImageRow>({ name: 'post-images-by-post', text: 'SELECT * FROM post_images WHERE post_id = $1', values: [postId] });
  return rows[0];
}

export async function findImages(db: Queryable, postIds: string[]): Promise<ImageRow[]> {
  if (postIds.length === 0) return [];
  const { rows } = await db.query<ImageRow>({ name: 'post-images-by-posts', text: 'SELECT * FROM post_images WHERE post_id = ANY($1::text[])', values: [postIds] });
  return rows;
}

export async function lockImage(client: PoolClient, postId: string): Promise<ImageRow | undefined> {
  const { rows } = await client.query<ImageRow>({ name: 'post-images-lock', text: 'SELECT * FROM post_images WHERE post_id = $1 FOR UPDATE', values: [postId] });
  return rows[0];
}

export async function setMultipart(client: PoolClient, postId: string, multipartUploadId: string | null, partSizeBytes: number | null, at: Date) {
  await client.query({
    name: 'post-images-set-multipart',
    text: 'UPDATE post_images SET multipart_upload_id = $2, part_size_bytes = $3, updated_at = $4 WHERE post_id = $1',
    values: [postId, multipartUploadId, partSizeBytes, at],
  });
}

export async function markUploaded(client: PoolClient, postId: string, at: Date) {
  await client.query({
    name: 'post-images-uploaded',
    text: 'UPDATE post_images SET multipart_upload_id = NULL, uploaded_at = COALESCE(uploaded_at, $2), announced_at = $2, updated_at = $2 WHERE post_id = $1',
    values: [postId, at],
  });
}

/** The worker's verdict, applied only to the current upload while it is pending; whether it was. */
export async function applyReady(
  db: Queryable,
  result: { postId: string; uploadId: string; imageKey: string; width: number; height: number; at: Date },
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'post-images-ready',
    text: `UPDATE post_images SET status = 'ready', image_key = $3, width = $4, height = $5, multipart_upload_id = NULL, updated_at = $6
      WHERE post_id = $1 AND upload_id = $2 AND status = 'pending'`,
    values: [result.postId, result.uploadId, result.imageKey, result.width, result.height, result.at],
  });
  return (rowCount ?? 0) > 0;
}

export async function applyRejected(
  db: Queryable,
  result: { postId: string; uploadId: string; reasonCode: string; reason: string; at: Date },
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'post-images-rejected',
    text: `UPDATE post_images SET status = 'rejected', reason_code = $3, reason = $4, multipart_upload_id = NULL, updated_at = $5
      WHERE post_id = $1 AND upload_id = $2 AND status = 'pending'`,
    values: [result.postId, result.uploadId, result.reasonCode, result.reason, result.at],
  });
  return (rowCount ?? 0) > 0;
}

/** Pending images past their expiry that were never seen complete. */
export async function expiredImages(db: Queryable, now: Date, limit: number): Promise<ImageRow[]> {
  const { rows } = await db.query<ImageRow>({
    name: 'post-images-expired',
    text: `SELECT * FROM post_images WHERE status = 'pending' AND expires_at <= $1 AND uploaded_at IS NULL ORDER BY expires_at LIMIT $2`,
    values: [now, limit],
  });
  return rows;
}

/**
 * Pending images the safety net looks at: never announced (the object may have arrived without
 * a completion call) or announced longer ago than `announcedBefore` without a result.
 */
export async function unsettledImages(db: Queryable, announcedBefore: Date, createdBefore: Date, limit: number): Promise<ImageRow[]> {
  const { rows } = await db.query<ImageRow>({
    name: 'post-images-unsettled',
    text: `SELECT * FROM post_images WHERE status = 'pending' AND multipart_upload_id IS NULL AND created_at <= $2
        AND (announced_at IS NULL OR announced_at <= $1)
      ORDER BY created_at LIMIT $3`,
    values: [announcedBefore, createdBefore, limit],
  });
  return rows;
}

/** An upload whose objects are to go (see the image-objects-to-remove migration), as claimed for one attempt. */
export interface ObjectRemoval {
  post_id: string;
  upload_id: string;
  multipart_upload_id: string | null;
  generation: number;
  attempts: number;
}

/**
 * Queues the objects of a verdict's upload when no post has that upload (its post was deleted,
 * or its image replaced or removed, while the worker converted it); nothing otherwise. Whether it
 * queued.
 */
export async function queueRemovalIfOrphaned(db: Queryable, postId: string, uploadId: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'image-removals-queue-orphan',
    text: `INSERT INTO image_objects_to_remove (post_id, upload_id, queued_at, attempt_after)
      SELECT $1, $2, $3, $3 WHERE NOT EXISTS (SELECT 1 FROM post_images WHERE post_id = $1 AND upload_id = $2)
      ON CONFLICT (post_id, upload_id) DO UPDATE
        SET queued_at = EXCLUDED.queued_at, generation = image_objects_to_remove.generation + 1, attempt_after = EXCLUDED.attempt_after`,
    values: [postId, uploadId, at],
  });
  return (rowCount ?? 0) > 0;
}

/**
 * Claims removals that are due (of one post, or any), oldest first. A claimed one is not due again
 * for retryBaseMs x 2^(earlier attempts), at most retryMaxMs: while this instance works on it
 * another instance's sweep leaves it alone, and should the attempt fail it waits that long.
 */
export async function claimRemovals(
  db: Queryable,
  options: { now: Date; retryBaseMs: number; retryMaxMs: number; limit: number; postId?: string },
): Promise<ObjectRemoval[]> {
  const { rows } = await db.query<ObjectRemoval>({
    name: options.postId === undefined ? 'image-removals-claim' : 'image-removals-claim-post',
    text: `UPDATE image_objects_to_remove r
      SET attempt_after = $1::timestamptz + least($2::float8 * power(2, least(r.attempts, 30)), $3::float8) * interval '1 millisecond',
        attempts = r.attempts + 1
      FROM (
        SELECT post_id, upload_id FROM image_objects_to_remove
        WHERE attempt_after <= $1 ${options.postId === undefined ? '' : 'AND post_id = $5'}
        ORDER BY attempt_after LIMIT $4 FOR UPDATE SKIP LOCKED
      ) due
      WHERE r.post_id = due.post_id AND r.upload_id = due.upload_id
      RETURNING r.post_id, r.upload_id, r.multipart_upload_id, r.generation, r.attempts`,
    values: [options.now, options.retryBaseMs, options.retryMaxMs, options.limit, ...(options.postId === undefined ? [] : [options.postId])],
  });
  return rows;
}

/** Drops a removal once its objects are gone, unless it was queued again since it was claimed. */
export async function finishRemoval(db: Queryable, removal: ObjectRemoval): Promise<void> {
  await db.query({
    name: 'image-removals-finish',
    text: 'DELETE FROM image_objects_to_remove WHERE post_id = $1 AND upload_id = $2 AND generation = $3',
    values: [removal.post_id, removal.upload_id, removal.generation],
  });
}
