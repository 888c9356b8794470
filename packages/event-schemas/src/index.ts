/**
 * Herald's event contract: JSON Schemas, TypeScript types, runtime validators, topic names and
 * the AsyncAPI document, from one entry point. Usable on its own by any team consuming Herald's
 * events.
 */
export { buildAsyncApiDocument, type AsyncApiOptions } from './asyncapi.js';
export { eventCatalog, eventTypes, isEventType, type EventType } from './catalog.js';
export { createEvent, type CreateEventInput } from './create.js';
export {
  CLOUDEVENTS_SPEC_VERSION,
  CLOUDEVENTS_STRUCTURED_CONTENT_TYPE,
  EVENT_DATA_CONTENT_TYPE,
  dataSchemaUri,
} from './envelope.js';
export * from './events/low-stock-warning.js';
export * from './events/product-created.js';
export * from './events/product-deleted.js';
export * from './events/product-snapshot.js';
export * from './events/product-updated.js';
export * from './events/stock-adjusted.js';
export * from './events/user-profile.js';
export * from './events/user-registered.js';
export * from './events/user-updated.js';
export * from './events/user-followed.js';
export * from './events/user-unfollowed.js';
export * from './events/post-snapshot.js';
export * from './events/blog-created.js';
export * from './events/blog-updated.js';
export * from './events/blog-deleted.js';
export * from './events/post-created.js';
export * from './events/post-updated.js';
export * from './events/post-deleted.js';
export * from './events/comment-added.js';
export * from './events/comment-deleted.js';
export * from './events/post-image.js';
export * from './events/post-image-uploaded.js';
export * from './events/post-image-ready.js';
export * from './events/post-image-rejected.js';
export * from './events/post-image-removed.js';
export {
  mediaUploadsTopic,
  mediaUploadsTopicName,
  topicName,
  topicNames,
  topics,
  type TopicKey,
  type TopicName,
} from './topics.js';
export type { EventData, EventOfType, HeraldEvent } from './types.js';
export {
  EventValidationError,
  assertValidEvent,
  parseEvent,
  validateEvent,
  type EventValidationIssue,
  type EventValidationResult,
} from './validate.js';
