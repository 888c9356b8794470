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
