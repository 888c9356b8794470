import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import { imageKey, rejectionKey, uploadKey } from '@herald/media';
import type { Pool, PoolClient } from '../db/pool.js';
import { HttpProblem, notFound } from '../errors.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { components } from '../openapi/contract.generated.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import { setHasImage } from '../posts/repository.js';
import * as repository from './repository.js';
import type { ImageRow } from './repository.js';
import type { MediaStorage, StoredPart } from './storage.js';

export type ImageDeclaration = components['schemas']['ImageDeclaration'];
export type PostImage = components['schemas']['PostImage'];
export type ImageUpload = components['schemas']['ImageUpload'];
export type ImageMultipart = components['schemas']['ImageMultipart'];

/** Parts of a multipart upload are at least this long (S3 wants 5 MiB; 8 MiB keeps the count of a 100 MiB file at 13). */
export const MIN_PART_BYTES = 8 * 1024 * 1024;

export interface ImageSettings {
  uploadExpirySeconds: number;
  uploadUrlTtlSeconds: number;
  imageUrlTtlSeconds: number;
  rescanAfterSeconds: number;
}

/** Removals claimed at a time; a failed one waits 2 s, then twice as long after each failure, up to 15 minutes. */
const REMOVALS_PER_CLAIM = 100;
const REMOVAL_RETRY_BASE_MS = 2_000;
const REMOVAL_RETRY_MAX_MS = 15 * 60_000;

export interface ImageService {
  /** Records a declared image for a post being created, in the post's transaction. */
  declare(client: PoolClient, input: { postId: string; authorId: string; image: ImageDeclaration; at: Date }): Promise<ImageRow>;
  /** The presigned POST policy for an image still waiting for its bytes; nothing once received or settled. */
  uploadFor(row: ImageRow, now?: Date): Promise<ImageUpload | undefined>;
  /** The images of these posts as the API shows them (a ready one with a fresh presigned GET). */
  imagesOf(postIds: string[]): Promise<Map<string, PostImage>>;
  /**
   * The posts with the images of those among `postIds` (all of them when absent): one lookup for
   * the lot, none when no id is given. Posts, listings and feeds show images through it.
   */
  withImages<T extends { id: string }>(posts: T[], postIds?: string[]): Promise<Array<T & { image?: PostImage }>>;
  findRow(postId: string): Promise<ImageRow | undefined>;
  /**
   * Gives the post a new image, declared as at creation, in place of the one it had: that one's
   * upload is queued for removal and PostImageRemoved (`replaced`) written, in one transaction.
   * The same declaration again while its upload is still awaited is a retry: the current row,
   * unchanged. `created` says the post had no image before.
   */
  replace(postId: string, image: ImageDeclaration, now?: Date): Promise<{ row: ImageRow; created: boolean }>;
  /** Removes the post's image (PostImageRemoved, `removed`); its upload is queued for removal. */
  remove(postId: string, now?: Date): Promise<void>;
  startMultipart(postId: string, partSizeBytes?: number): Promise<ImageMultipart>;
  parts(postId: string): Promise<ImageMultipart>;
  complete(postId: string): Promise<void>;
  /** Applies a worker result (PostImageReady / PostImageRejected): only to the current upload, only while pending. */
  applyResult(event: HeraldEvent): Promise<boolean>;
  /**
   * Removes what storage holds of uploads no post has any more (queued in the database when their
   * image went: see the image-objects-to-remove migration), of one post or of any: an open
   * multipart upload, the original, the converted JPEG, the worker's rejection note. A removal that
   * fails (storage away) stays queued and is tried again later, each time after a longer wait.
   */
  removeObjects(options?: { postId?: string; now?: Date }): Promise<{ removed: number; failed: number }>;
  /** Abandons expired uploads, re-announces uploads whose result never came, removes what is due to go. */
  sweep(now?: Date): Promise<{ expired: number; announced: number; removed: number; removalsFailed: number }>;
}

const partCountOf = (size: number, partSize: number) => Math.max(1, Math.ceil(size / partSize));

export function createImageService({
  pool,
  unitOfWork,
  storage,
  settings,
  eventSource,
}: {
  pool: Pool;
  unitOfWork: UnitOfWork;
  storage: MediaStorage;
  settings: ImageSettings;
  eventSource: string;
}): ImageService {
  const noImage = (postId: string) => notFound('image of post', postId);
  const notPending = (row: ImageRow) =>
    new HttpProblem('HERALD_IMAGE_NOT_PENDING', `the image of post ${row.post_id} is ${row.status}; it takes no upload`);
  const urlSeconds = (row: ImageRow, now: Date) =>
    Math.max(1, Math.min(settings.uploadUrlTtlSeconds, Math.floor((row.expires_at.getTime() - now.getTime()) / 1000)));

  async function removeObjects({ postId, now = new Date() }: { postId?: string; now?: Date } = {}) {
    let removed = 0;
    let failed = 0;
    for (;;) {
      const claimed = await repository.claimRemovals(pool, {
        now,
        retryBaseMs: REMOVAL_RETRY_BASE_MS,
        retryMaxMs: REMOVAL_RETRY_MAX_MS,
        limit: REMOVALS_PER_CLAIM,
        ...(postId === undefined ? {} : { postId }),
      });
      for (const removal of claimed) {
        const ref = { postId: removal.post_id, uploadId: removal.upload_id };
        try {
          if (removal.multipart_upload_id) await storage.abortMultipart(uploadKey(ref), removal.multipart_upload_id);
          // Removing an object that is not there succeeds: whatever of these exists goes.
          for (const key of [uploadKey(ref), imageKey(ref), rejectionKey(ref)]) await storage.remove(key);
          await repository.finishRemoval(pool, removal);
          removed++;
        } catch {
          failed++; // stays queued: due again after its (growing) wait
        }
      }
      if (claimed.length < REMOVALS_PER_CLAIM || failed > 0) return { removed, failed };
    }
  }

  async function pendingRow(postId: string, now: Date): Promise<ImageRow> {
    const row = await repository.findImage(pool, postId);
    if (!row) throw noImage(postId);
    if (row.status !== 'pending' || row.uploaded_at) throw notPending(row);
    if (row.expires_at <= now) throw new HttpProblem('HERALD_IMAGE_NOT_PENDING', `the upload of the image of post ${postId} expired at ${row.expires_at.toISOString()}`);
    return row;
  }

  async function multipartState(row: ImageRow, received: StoredPart[], now: Date): Promise<ImageMultipart> {
    const size = Number(row.size_bytes);
    const partSize = Number(row.part_size_bytes);
    const count = partCountOf(size, partSize);
    const have = new Set(received.map((part) => part.part_number));
    const seconds = urlSeconds(row, now);
    const urlExpiresAt = new Date(now.getTime() + seconds * 1000).toISOString();
    const missing = [];
    for (let n = 1; n <= count; n++) {
      if (have.has(n)) continue;
      missing.push({
        part_number: n,
        size_bytes: n < count ? partSize : size - partSize * (count - 1),
        method: 'PUT' as const,
        url: await storage.presignPart(row.object_key, row.multipart_upload_id!, n, seconds),
        url_expires_at: urlExpiresAt,
      });
    }
    return {
      upload_id: row.upload_id,
      part_size_bytes: partSize,
      part_count: count,
      size_bytes: size,
      expires_at: row.expires_at.toISOString(),
      parts_received: received,
      parts_missing: missing,
    };
  }

  /** Writes PostImageUploaded for the current upload, if still pending (in one transaction with the row's mark). */
  async function announce(row: ImageRow, at: Date): Promise<boolean> {
    return unitOfWork.run(async (client) => {
      const current = await repository.lockImage(client, row.post_id);
      if (!current || current.upload_id !== row.upload_id || current.status !== 'pending') return { result: false, events: [] as HeraldEvent[] };
      await repository.markUploaded(client, row.post_id, at);
      const event = createEvent({
        id: uuidv7(),
        type: 'PostImageUploaded',
        subject: row.post_id,
        source: eventSource,
        time: at,
        data: { post_id: row.post_id, author_id: row.author_id, upload_id: row.upload_id, object_key: row.object_key },
      });
      return { result: true, events: [event] };
    });
  }

  async function toPostImage(row: ImageRow, now: Date): Promise<PostImage> {
    if (row.status === 'ready' && row.image_key) {
      return {
        status: 'ready',
        url: await storage.presignGet(row.image_key, settings.imageUrlTtlSeconds),
        url_expires_at: new Date(now.getTime() + settings.imageUrlTtlSeconds * 1000).toISOString(),
        ...(row.width !== null ? { width: row.width } : {}),
        ...(row.height !== null ? { height: row.height } : {}),
      };
    }
    if (row.status === 'rejected') {
      return { status: 'rejected', ...(row.reason_code ? { reason_code: row.reason_code as PostImage['reason_code'] & string } : {}), ...(row.reason ? { reason: row.reason } : {}) };
    }
    return { status: row.status };
  }

  const declare: ImageService['declare'] = (client, { postId, authorId, image, at }) => {
    const uploadId = uuidv7();
    return repository.insertImage(client, {
      postId,
      uploadId,
      authorId,
      contentType: image.content_type,
      sizeBytes: image.size_bytes,
      expectedMd5: image.md5,
      objectKey: uploadKey({ postId, uploadId }),
      expiresAt: new Date(at.getTime() + settings.uploadExpirySeconds * 1000),
      createdAt: at,
    });
  };

  const removedEvent = (row: ImageRow, reason: 'removed' | 'replaced', at: Date): HeraldEvent =>
    createEvent({
      id: uuidv7(),
      type: 'PostImageRemoved',
      subject: row.post_id,
      source: eventSource,
      time: at,
      data: { post_id: row.post_id, author_id: row.author_id, upload_id: row.upload_id, reason },
    });

  /** Whether `row` is `image` as declared and still waits for its bytes: a PUT of it again is a retry. */
  const awaits = (row: ImageRow, image: ImageDeclaration, now: Date) =>
    row.status === 'pending' &&
    !row.uploaded_at &&
    row.expires_at > now &&
    row.content_type === image.content_type &&
    Number(row.size_bytes) === image.size_bytes &&
    row.expected_md5 === image.md5;

  async function imagesOf(postIds: string[]): Promise<Map<string, PostImage>> {
    const now = new Date();
    const rows = await repository.findImages(pool, postIds);
    return new Map(await Promise.all(rows.map(async (row) => [row.post_id, await toPostImage(row, now)] as const)));
  }

  return {
    declare,

    async replace(postId, image, now = new Date()) {
      return unitOfWork.run(async (client) => {
        // Locks the post first: a delete of it waits, or has happened (and then nothing is written).
        const post = await setHasImage(client, postId, true);
        if (!post) throw notFound('post', postId);
        const current = await repository.lockImage(client, postId);
        if (current && awaits(current, image, now)) return { result: { row: current, created: false }, events: [] as HeraldEvent[] };
        const events: HeraldEvent[] = [];
        if (current) {
          await repository.deleteImage(client, postId);
          events.push(removedEvent(current, 'replaced', now));
        }
        const row = await declare(client, { postId, authorId: post.author_id, image, at: now });
        return { result: { row, created: !current }, events };
      });
    },

    async remove(postId, now = new Date()) {
      await unitOfWork.run(async (client) => {
        if (!(await setHasImage(client, postId, false))) throw notFound('post', postId);
        const gone = await repository.deleteImage(client, postId);
        // Thrown, so the transaction (and has_image) rolls back.
        if (!gone) throw noImage(postId);
        return { result: undefined, events: [removedEvent(gone, 'removed', now)] };
      });
    },

    async uploadFor(row, now = new Date()) {
      if (row.status !== 'pending' || row.uploaded_at || row.expires_at <= now) return undefined;
      return storage.presignPost({
        key: row.object_key,
        contentType: row.content_type,
        sizeBytes: Number(row.size_bytes),
        metadata: { postId: row.post_id, uploadId: row.upload_id, authorId: row.author_id, expectedMd5: row.expected_md5, declaredType: row.content_type },
        expiresAt: new Date(now.getTime() + urlSeconds(row, now) * 1000),
      });
    },

    async withImages(posts, postIds = posts.map((post) => post.id)) {
      if (postIds.length === 0) return posts;
      const found = await imagesOf(postIds);
      return posts.map((post) => (found.has(post.id) ? { ...post, image: found.get(post.id)! } : post));
    },

    imagesOf,

    findRow: (postId) => repository.findImage(pool, postId),

    async startMultipart(postId, partSizeBytes = MIN_PART_BYTES) {
      const now = new Date();
      const row = await pendingRow(postId, now);
      // Starting again replaces an unfinished multipart upload: its parts are dropped.
      if (row.multipart_upload_id) await storage.abortMultipart(row.object_key, row.multipart_upload_id);
      const multipartUploadId = await storage.startMultipart({
        key: row.object_key,
        contentType: row.content_type,
        metadata: { postId: row.post_id, uploadId: row.upload_id, authorId: row.author_id, expectedMd5: row.expected_md5, declaredType: row.content_type },
      });
      const updated = await unitOfWork.run(async (client) => {
        const current = await repository.lockImage(client, postId);
        if (!current || current.upload_id !== row.upload_id || current.status !== 'pending') throw notPending(current ?? row);
        await repository.setMultipart(client, postId, multipartUploadId, partSizeBytes, now);
        return { result: { ...current, multipart_upload_id: multipartUploadId, part_size_bytes: partSizeBytes }, events: [] as HeraldEvent[] };
      });
      return multipartState(updated, [], now);
    },

    async parts(postId) {
      const now = new Date();
      const row = await pendingRow(postId, now);
      if (!row.multipart_upload_id) {
        throw new HttpProblem('HERALD_UPLOAD_INCOMPLETE', `no multipart upload of the image of post ${postId} is in progress; start one with POST /api/v1/posts/${postId}/image/multipart`);
      }
      const received = await storage.listParts(row.object_key, row.multipart_upload_id);
      return multipartState(row, received ?? [], now);
    },

    async complete(postId) {
      const now = new Date();
      const row = await repository.findImage(pool, postId);
      if (!row) throw noImage(postId);
      // A repeated call, or the safety net came first: nothing more to do.
      if (row.status !== 'pending' || row.uploaded_at) return;
      if (row.expires_at <= now) throw new HttpProblem('HERALD_IMAGE_NOT_PENDING', `the upload of the image of post ${postId} expired at ${row.expires_at.toISOString()}`);
      const size = Number(row.size_bytes);
      if (row.multipart_upload_id) {
        const parts = await storage.listParts(row.object_key, row.multipart_upload_id);
        if (parts) {
          const count = partCountOf(size, Number(row.part_size_bytes));
          const have = new Set(parts.map((part) => part.part_number));
          const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !have.has(n));
          const extra = parts.filter((part) => part.part_number > count).map((part) => part.part_number);
          if (missing.length > 0 || extra.length > 0) {
            throw new HttpProblem(
              'HERALD_UPLOAD_INCOMPLETE',
              missing.length > 0 ? `parts ${missing.join(', ')} of ${count} have not been received` : `parts ${extra.join(', ')} are beyond the ${count} parts of the image`,
            );
          }
          const total = parts.reduce((sum, part) => sum + part.size_bytes, 0);
          if (total !== size) {
            throw new HttpProblem('HERALD_UPLOAD_INCOMPLETE', `the parts add up to ${total} bytes; the image was declared with ${size}`);
          }
          await storage.completeMultipart(row.object_key, row.multipart_upload_id, parts);
        }
      }
      const stored = await storage.stat(row.object_key);
      if (!stored) throw new HttpProblem('HERALD_UPLOAD_INCOMPLETE', `nothing of the image of post ${postId} has arrived in storage yet`);
      await announce(row, now);
    },

    async applyResult(event) {
      const at = new Date(event.time);
      let applied: boolean;
      if (event.type === 'PostImageReady') {
        const { post_id, upload_id, image_key, width, height } = event.data;
        applied = await repository.applyReady(pool, { postId: post_id, uploadId: upload_id, imageKey: image_key, width, height, at });
      } else if (event.type === 'PostImageRejected') {
        const { post_id, upload_id, reason_code, reason } = event.data;
        applied = await repository.applyRejected(pool, { postId: post_id, uploadId: upload_id, reasonCode: reason_code, reason, at });
      } else {
        return false;
      }
      // The worker may finish an upload that is no longer its post's (the post deleted, or its image
      // replaced or removed meanwhile): what it wrote goes too.
      if (!applied && (await repository.queueRemovalIfOrphaned(pool, event.data.post_id, event.data.upload_id, new Date()))) {
        await removeObjects({ postId: event.data.post_id });
      }
      return applied;
    },

    removeObjects,

    async sweep(now = new Date()) {
      let expired = 0;
      for (const row of await repository.expiredImages(pool, now, 100)) {
        if (row.multipart_upload_id) await storage.abortMultipart(row.object_key, row.multipart_upload_id);
        await storage.remove(row.object_key);
        const rejected = await unitOfWork.run(async (client) => {
          const current = await repository.lockImage(client, row.post_id);
          if (!current || current.upload_id !== row.upload_id || current.status !== 'pending' || current.uploaded_at) {
            return { result: false, events: [] as HeraldEvent[] };
          }
          const reason = `the upload was not completed within ${settings.uploadExpirySeconds} seconds`;
          await repository.applyRejected(client, { postId: row.post_id, uploadId: row.upload_id, reasonCode: 'expired', reason, at: now });
          const event = createEvent({
            id: uuidv7(),
            type: 'PostImageRejected',
            subject: row.post_id,
            source: eventSource,
            time: now,
            data: { post_id: row.post_id, author_id: row.author_id, upload_id: row.upload_id, reason_code: 'expired', reason },
          });
          return { result: true, events: [event] };
        });
        if (rejected) expired++;
      }
      let announced = 0;
      const rescanBefore = new Date(now.getTime() - settings.rescanAfterSeconds * 1000);
      for (const row of await repository.unsettledImages(pool, rescanBefore, now, 100)) {
        if (row.expires_at <= now && !row.uploaded_at) continue;
        const stored = await storage.stat(row.object_key);
        if (stored && (await announce(row, now))) announced++;
      }
      const removals = await removeObjects({ now });
      return { expired, announced, removed: removals.removed, removalsFailed: removals.failed };
    },
  };
}
