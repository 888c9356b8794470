/** Where an upload's objects live in the media bucket; every name follows from the post and upload ids. */
export interface UploadRef {
  postId: string;
  uploadId: string;
}

const UPLOAD_KEY = /^uploads\/([A-Za-z0-9_-]{1,64})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The original as uploaded (kept for reprocessing when accepted, deleted when rejected). */
export const uploadKey = (ref: UploadRef) => `uploads/${ref.postId}/${ref.uploadId}`;
/** The converted 600x600 JPEG: written last, so its existence means the upload is done. */
export const imageKey = (ref: UploadRef) => `images/${ref.postId}/${ref.uploadId}/600x600.jpg`;
/** The rejection as announced, written before the original is deleted, so it can be announced again. */
export const rejectionKey = (ref: UploadRef) => `rejections/${ref.postId}/${ref.uploadId}.json`;

/** The post and upload ids of an original's key; undefined for any other key. */
export function parseUploadKey(key: string): UploadRef | undefined {
  const match = UPLOAD_KEY.exec(key);
  return match ? { postId: match[1]!, uploadId: match[2]! } : undefined;
}
