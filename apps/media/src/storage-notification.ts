import type { ParsedRecord } from '@herald/consumer-runtime';
import { v5 } from 'uuid';
import { MEDIA_EVENT_NAMESPACE } from './events.js';
import { parseUploadKey, type UploadRef } from './keys.js';

/**
 * A storage notification as the worker handles it: the uploads it reports. Its id is made from
 * the record's value, so a notification delivered twice is recognised as a duplicate.
 */
export interface UploadsStored {
  id: string;
  type: 'UploadsStored';
  uploads: UploadRef[];
}

interface NotificationRecord {
  eventName?: unknown;
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } };
}

/** S3 event notifications put keys in URL form, with `+` for a space. */
function decodeKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Reads an S3 event notification (MinIO's Kafka target, or the in-process S3) into the uploads
 * it reports: objects created in `bucket` under `uploads/<postId>/<uploadId>`. Other buckets,
 * keys and event kinds are left out (a notification reporting none of ours is handled as a
 * no-op); a value that is not a notification at all is refused, to be dead-lettered.
 */
export function parseStorageNotification(value: string, bucket: string): ParsedRecord<UploadsStored> {
  let body: { Records?: unknown };
  try {
    body = JSON.parse(value) as { Records?: unknown };
  } catch (error) {
    return { valid: false, issues: [{ path: '/', message: `not JSON: ${(error as Error).message}` }] };
  }
  if (typeof body !== 'object' || body === null || !Array.isArray(body.Records)) {
    return { valid: false, issues: [{ path: '/Records', message: 'must be the array of an S3 event notification' }] };
  }
  const uploads = new Map<string, UploadRef>();
  for (const record of body.Records as NotificationRecord[]) {
    if (typeof record?.eventName !== 'string' || !record.eventName.startsWith('s3:ObjectCreated:')) continue;
    if (record.s3?.bucket?.name !== bucket || typeof record.s3.object?.key !== 'string') continue;
    const key = decodeKey(record.s3.object.key);
    const ref = key === undefined ? undefined : parseUploadKey(key);
    if (ref) uploads.set(key!, ref);
  }
  return { valid: true, event: { id: v5(value, MEDIA_EVENT_NAMESPACE), type: 'UploadsStored', uploads: [...uploads.values()] } };
}
