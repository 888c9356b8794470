/**
 * @herald/media: the media worker. It learns that an image upload finished (storage
 * notifications, PostImageUploaded), checks the original (MD5, real type, pixel count), writes
 * its 600x600 JPEG without metadata, and announces PostImageReady or PostImageRejected.
 *
 * - loadConfig / loadMediaSettings: the settings (the API reads the worker's settings too).
 * - mediaConsumer / startMedia: the consumer, as a definition or running in-process.
 * - processUpload: one upload, idempotently; convertImage and sniffImageType: the image work.
 * - src/main.ts: the same worker as a standalone process.
 */
export { loadConfig, loadMediaSettings, type MediaConfig, type MediaSettings } from './config.js';
export {
  MEDIA_CONSUMER_NAME,
  isTransientMediaError,
  mediaConsumer,
  startMedia,
  type MediaConsumerOptions,
  type MediaWork,
  type RunningMedia,
  type StartMediaOptions,
} from './consumer.js';
export { MEDIA_ERROR_CODES, MediaError, isMediaError, type MediaErrorCode } from './errors.js';
export { MEDIA_EVENT_NAMESPACE, MEDIA_EVENT_SOURCE, createMediaPublisher, outcomeEventId, readyEvent, rejectedEvent, type MediaPublisher } from './events.js';
export { CONVERTED_SIZE, convertImage, type ConvertedImage, type ConvertOptions } from './image/convert.js';
export { ImageRejection, isImageRejection, reject, type RejectionCode } from './image/rejection.js';
export { sniffImageType, type ImageType } from './image/sniff.js';
export { imageKey, parseUploadKey, rejectionKey, uploadKey, type UploadRef } from './keys.js';
export { processUpload, type ProcessDeps, type UploadJob, type UploadOutcome } from './process-upload.js';
export { createMediaStorage, type MediaStorage, type StoredObject } from './storage.js';
export { parseStorageNotification, type UploadsStored } from './storage-notification.js';
