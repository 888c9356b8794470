import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as Minio from 'minio';
import { reject } from './image/rejection.js';

/** An object's size and user metadata (`x-amz-meta-*`, names lower-case without the prefix). */
export interface StoredObject {
  size: number;
  metadata: Record<string, string>;
}

/** The media bucket as the worker uses it. */
export interface MediaStorage {
  readonly bucket: string;
  /** HeadObject; undefined when there is no such object. */
  stat(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /**
   * Streams the object into `path`, computing its MD5 on the way (never more than a stream
   * buffer in memory). Refuses (too_large) an object longer than `maxBytes` as soon as it is.
   * Undefined when there is no such object.
   */
  download(key: string, path: string, maxBytes: number, signal?: AbortSignal): Promise<{ size: number; md5: string } | undefined>;
  /** Small text objects (rejection records); undefined when there is no such object. */
  readText(key: string, signal?: AbortSignal): Promise<string | undefined>;
  put(key: string, body: Buffer, contentType: string, metadata?: Record<string, string>): Promise<void>;
  remove(key: string): Promise<void>;
}

const NOT_FOUND = new Set(['NotFound', 'NoSuchKey', 'NoSuchObject']);

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; statusCode?: unknown };
  return (typeof e?.code === 'string' && NOT_FOUND.has(e.code)) || e?.statusCode === 404;
}

async function orUndefined<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** User metadata as minio returns it: names lower-cased, `x-amz-meta-` dropped (some servers keep it). */
function userMetadata(metaData: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metaData)) {
    if (typeof value !== 'string') continue;
    const lower = name.toLowerCase();
    out[lower.startsWith('x-amz-meta-') ? lower.slice('x-amz-meta-'.length) : lower] = value;
  }
  return out;
}

export function createMediaStorage(s3: Minio.Client, bucket: string): MediaStorage {
  return {
    bucket,
    async stat(key) {
      const stat = await orUndefined(s3.statObject(bucket, key));
      return stat ? { size: stat.size, metadata: userMetadata(stat.metaData as Record<string, unknown>) } : undefined;
    },
    async download(key, path, maxBytes, signal) {
      const body = await orUndefined(s3.getObject(bucket, key));
      if (!body) return undefined;
      const md5 = createHash('md5');
      let size = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > maxBytes) return callback(reject.tooLarge(size, maxBytes));
          md5.update(chunk);
          callback(null, chunk);
        },
      });
      const file = createWriteStream(path);
      await (signal ? pipeline(body, count, file, { signal }) : pipeline(body, count, file));
      return { size, md5: md5.digest('base64') };
    },
    async readText(key) {
      const body = await orUndefined(s3.getObject(bucket, key));
      if (!body) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async put(key, body, contentType, metadata = {}) {
      const headers: Record<string, string> = { 'Content-Type': contentType };
      for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name}`] = value;
      await s3.putObject(bucket, key, body, body.length, headers);
    },
    async remove(key) {
      await orUndefined(s3.removeObject(bucket, key));
    },
  };
}
