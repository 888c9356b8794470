import { createS3Client } from '@herald/notifier';
import * as Minio from 'minio';

/** Where the media bucket is and how to reach it (the notifier's S3 settings, or the embedded S3). */
export interface MediaStorageSettings {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  /** Where clients reach storage, when not at `endpoint`; presigned URLs name this host. */
  publicEndpoint?: string | undefined;
}

export interface PresignedPost {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  expires_at: string;
}

export interface StoredPart {
  part_number: number;
  etag: string;
  size_bytes: number;
}

/** User metadata the server sets on every upload (signed into the policy, or set when starting a multipart upload). */
export interface UploadMetadata {
  postId: string;
  uploadId: string;
  /** The post's author: the media worker names them in its verdict when a storage notification alone told it of the upload. */
  authorId: string;
  expectedMd5: string;
  declaredType: string;
}

/**
 * The media bucket, as the API uses it: presigned uploads (POST policies and multipart part
 * URLs), the multipart calls the API makes itself, presigned GETs of converted images.
 */
export interface MediaStorage {
  bucket: string;
  /** Where the API reaches storage. */
  endpoint: string;
  /** The origin every presigned URL names (where browsers upload to and load images from): the dashboard's CSP allows it. */
  publicOrigin: string;
  /** Creates the bucket if missing and, on MinIO with `notificationArn`, its upload notifications. */
  prepare(options: { notificationArn?: string | undefined; attempts?: number }): Promise<void>;
  presignPost(input: { key: string; contentType: string; sizeBytes: number; metadata: UploadMetadata; expiresAt: Date }): Promise<PresignedPost>;
  startMultipart(input: { key: string; contentType: string; metadata: UploadMetadata }): Promise<string>;
  presignPart(key: string, multipartUploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  listParts(key: string, multipartUploadId: string): Promise<StoredPart[] | undefined>;
  completeMultipart(key: string, multipartUploadId: string, parts: StoredPart[]): Promise<void>;
  abortMultipart(key: string, multipartUploadId: string): Promise<void>;
  /** The object's size, or nothing when it is not there. */
  stat(key: string): Promise<{ size: number } | undefined>;
  remove(key: string): Promise<void>;
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

const metadataHeaders = (metadata: UploadMetadata) => ({
  'x-amz-meta-post-id': metadata.postId,
  'x-amz-meta-upload-id': metadata.uploadId,
  'x-amz-meta-author-id': metadata.authorId,
  'x-amz-meta-expected-md5': metadata.expectedMd5,
  'x-amz-meta-declared-type': metadata.declaredType,
});

/** The media bucket's client: the notifier's S3 client, with room for slow part uploads. */
const clientFor = (endpoint: string, settings: MediaStorageSettings): Minio.Client =>
  createS3Client({ endpoint, accessKey: settings.accessKey, secretKey: settings.secretKey, region: settings.region, idleTimeoutMs: 30_000 });

const isCode = (error: unknown, ...codes: string[]) => codes.includes(String((error as { code?: unknown })?.code));

export function createMediaStorage(settings: MediaStorageSettings): MediaStorage {
  const s3 = clientFor(settings.endpoint, settings);
  // Presigning is computed locally; the URLs it makes must name the host clients reach.
  const signer = settings.publicEndpoint ? clientFor(settings.publicEndpoint, settings) : s3;
  const { bucket } = settings;
  const internal = s3 as unknown as {
    listParts(bucket: string, key: string, uploadId: string): Promise<Array<{ part: number; etag: string; size: number }>>;
  };

  return {
    bucket,
    endpoint: settings.endpoint,
    publicOrigin: new URL(settings.publicEndpoint ?? settings.endpoint).origin,

    async prepare({ notificationArn, attempts = 10 }) {
      for (let attempt = 1; ; attempt++) {
        try {
          if (!(await s3.bucketExists(bucket))) {
            await s3.makeBucket(bucket, settings.region).catch((error) => {
              if (!isCode(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
            });
          }
          break;
        } catch (error) {
          if (attempt >= attempts) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
        }
      }
      if (notificationArn) {
        const config = new Minio.NotificationConfig();
        const queue = new Minio.QueueConfig(notificationArn);
        queue.addEvent(Minio.ObjectCreatedAll);
        queue.addFilterPrefix('uploads/');
        config.add(queue);
        await s3.setBucketNotification(bucket, config);
      }
    },

    async presignPost({ key, contentType, sizeBytes, metadata, expiresAt }) {
      const policy = signer.newPostPolicy();
      policy.setBucket(bucket);
      policy.setKey(key);
      policy.setExpires(expiresAt);
      policy.setContentType(contentType);
      // Exactly the declared size: storage refuses anything else.
      policy.setContentLengthRange(sizeBytes, sizeBytes);
      policy.setUserMetaData({
        'post-id': metadata.postId,
        'upload-id': metadata.uploadId,
        'author-id': metadata.authorId,
        'expected-md5': metadata.expectedMd5,
        'declared-type': metadata.declaredType,
      });
      const { postURL, formData } = await signer.presignedPostPolicy(policy);
      return { method: 'POST', url: postURL, fields: formData, expires_at: expiresAt.toISOString() };
    },

    startMultipart: ({ key, contentType, metadata }) =>
      s3.initiateNewMultipartUpload(bucket, key, { 'Content-Type': contentType, ...metadataHeaders(metadata) }),

    presignPart: (key, multipartUploadId, partNumber, expiresInSeconds) =>
      signer.presignedUrl('PUT', bucket, key, expiresInSeconds, { partNumber: String(partNumber), uploadId: multipartUploadId }),

    async listParts(key, multipartUploadId) {
      try {
        const parts = await internal.listParts(bucket, key, multipartUploadId);
        return parts
          .map((part) => ({ part_number: part.part, etag: part.etag.replace(/"/g, ''), size_bytes: Number(part.size) }))
          .sort((a, b) => a.part_number - b.part_number);
      } catch (error) {
        if (isCode(error, 'NoSuchUpload')) return undefined;
        throw error;
      }
    },

    async completeMultipart(key, multipartUploadId, parts) {
      await s3.completeMultipartUpload(bucket, key, multipartUploadId, parts.map((part) => ({ part: part.part_number, etag: part.etag })));
    },

    async abortMultipart(key, multipartUploadId) {
      try {
        await s3.abortMultipartUpload(bucket, key, multipartUploadId);
      } catch (error) {
        if (!isCode(error, 'NoSuchUpload')) throw error;
      }
    },

    async stat(key) {
      try {
        const info = await s3.statObject(bucket, key);
        return { size: info.size };
      } catch (error) {
        if (isCode(error, 'NotFound', 'NoSuchKey')) return undefined;
        throw error;
      }
    },

    remove: (key) => s3.removeObject(bucket, key),

    presignGet: (key, expiresInSeconds) => signer.presignedGetObject(bucket, key, expiresInSeconds),
  };
}
