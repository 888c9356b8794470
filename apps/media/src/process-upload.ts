import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostImageReadyData } from '@herald/event-schemas';
import type { TransportLogger } from '@herald/event-transport';
import type { MediaSettings } from './config.js';
import { readyEvent, rejectedEvent, type MediaPublisher } from './events.js';
import { CONVERTED_SIZE, convertImage } from './image/convert.js';
import { isImageRejection, reject, type ImageRejection } from './image/rejection.js';
import { SNIFF_BYTES, sniffImageType, type ImageType } from './image/sniff.js';
import { imageKey, rejectionKey, uploadKey, type UploadRef } from './keys.js';
import type { MediaStorage } from './storage.js';

/** What the worker needs for one upload. */
export interface ProcessDeps {
  storage: MediaStorage;
  publisher: MediaPublisher;
  settings: MediaSettings;
  log: TransportLogger;
  signal?: AbortSignal;
}

/** An upload to check, and its author when the signal that named it says (PostImageUploaded does). */
export interface UploadJob extends UploadRef {
  authorId?: string;
}

export type UploadOutcome =
  /** Announced ready (converted now, or found converted and announced again). */
  | { outcome: 'ready'; repeated: boolean }
  | { outcome: 'rejected'; code: ImageRejection['code']; repeated: boolean }
  /** Nothing to do yet: the original names no author, so PostImageUploaded will bring one. */
  | { outcome: 'waiting' }
  /** A storage notification for an original that is gone and was never decided: nothing to announce. */
  | { outcome: 'gone' };

/** Metadata the converted JPEG carries, so its ready event can be made again exactly. */
const READY_METADATA = ['author-id', 'source-width', 'source-height', 'source-type', 'source-size', 'ready-at'] as const;

function readyData(job: UploadRef, authorId: string, source: { width: number; height: number; type: ImageType; size: number }): PostImageReadyData {
  return {
    post_id: job.postId,
    author_id: authorId,
    upload_id: job.uploadId,
    image_key: imageKey(job),
    width: CONVERTED_SIZE,
    height: CONVERTED_SIZE,
    source_width: source.width,
    source_height: source.height,
    source_type: source.type,
    size_bytes: source.size,
  };
}

async function firstBytes(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * Checks and converts one upload, or announces again what was already decided. Safe to run any
 * number of times, interrupted anywhere:
 * - the converted JPEG exists: its ready event is made again from its metadata and sent;
 * - a rejection record exists: it is sent again and the original deleted (again);
 * - otherwise the original is checked (size, MD5 while it streams to a temporary file, type
 *   sniffed from its bytes, pixel count from its header) and converted. Accepted: the JPEG is
 *   written last, then PostImageReady sent. Refused: the rejection record is written, then
 *   PostImageRejected sent, then the original deleted.
 * Storage or broker failures are thrown (the runtime retries); a refused file is an outcome.
 */
export async function processUpload(job: UploadJob, deps: ProcessDeps): Promise<UploadOutcome> {
  const { storage, publisher, settings, log, signal } = deps;
  const converted = await storage.stat(imageKey(job), signal);
  if (converted) {
    const meta = converted.metadata;
    const missing = READY_METADATA.filter((name) => meta[name] === undefined);
    if (missing.length === 0) {
      const data = readyData(job, meta['author-id']!, {
        width: Number(meta['source-width']),
        height: Number(meta['source-height']),
        type: meta['source-type'] as ImageType,
        size: Number(meta['source-size']),
      });
      await publisher.publish(JSON.stringify(readyEvent(data, new Date(meta['ready-at']!))));
      return { outcome: 'ready', repeated: true };
    }
    log.warn({ key: imageKey(job), missing }, 'converted image without its metadata; converting again');
  }
  const decided = await storage.readText(rejectionKey(job), signal);
  if (decided !== undefined) {
    await publisher.publish(decided);
    await storage.remove(uploadKey(job));
    return { outcome: 'rejected', code: JSON.parse(decided).data.reason_code, repeated: true };
  }

  const original = await storage.stat(uploadKey(job), signal);
  const authorId = job.authorId ?? original?.metadata['author-id'];
  if (!authorId) {
    if (!original) return { outcome: 'gone' };
    log.info({ key: uploadKey(job) }, 'upload names no author; waiting for PostImageUploaded');
    return { outcome: 'waiting' };
  }
  const refuse = async (rejection: ImageRejection): Promise<UploadOutcome> => {
    log.info({ key: uploadKey(job), code: rejection.code, detail: rejection.detail }, 'upload rejected');
    const event = rejectedEvent(
      { post_id: job.postId, author_id: authorId, upload_id: job.uploadId, reason_code: rejection.code, reason: rejection.reason },
      new Date(),
    );
    const json = JSON.stringify(event);
    await storage.put(rejectionKey(job), Buffer.from(json), 'application/json');
    await publisher.publish(json);
    await storage.remove(uploadKey(job));
    return { outcome: 'rejected', code: rejection.code, repeated: false };
  };
  if (!original) return refuse(reject.missing());

  const meta = original.metadata;
  if ((meta['post-id'] && meta['post-id'] !== job.postId) || (meta['upload-id'] && meta['upload-id'] !== job.uploadId)) {
    return refuse(reject.unreadable(`metadata names post ${meta['post-id']} upload ${meta['upload-id']}`));
  }
  if (original.size > settings.maxBytes) return refuse(reject.tooLarge(original.size, settings.maxBytes));

  const workDir = join(settings.workDir, `${job.uploadId}-${randomUUID().slice(0, 8)}`);
  await mkdir(workDir, { recursive: true });
  try {
    const path = join(workDir, 'original');
    const copied = await storage.download(uploadKey(job), path, settings.maxBytes, signal);
    if (!copied) return refuse(reject.missing());
    if (copied.md5 !== meta['expected-md5']) return refuse(reject.md5Mismatch(meta['expected-md5'], copied.md5));
    const type = sniffImageType(await firstBytes(path));
    if (!type) return refuse(reject.unsupportedType(meta['declared-type']));
    const image = await convertImage(path, type, { maxPixels: settings.maxPixels, quality: settings.jpegQuality, workDir });
    const readyAt = new Date();
    const data = readyData(job, authorId, { width: image.sourceWidth, height: image.sourceHeight, type, size: copied.size });
    await storage.put(imageKey(job), image.jpeg, 'image/jpeg', {
      'author-id': authorId,
      'source-width': String(image.sourceWidth),
      'source-height': String(image.sourceHeight),
      'source-type': type,
      'source-size': String(copied.size),
      'ready-at': readyAt.toISOString(),
    });
    await publisher.publish(JSON.stringify(readyEvent(data, readyAt)));
    log.info({ key: uploadKey(job), type, width: image.sourceWidth, height: image.sourceHeight, bytes: copied.size }, 'upload converted');
    return { outcome: 'ready', repeated: false };
  } catch (error) {
    if (isImageRejection(error)) return refuse(error);
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
