/**
 * Kafka topics, one per aggregate. Deployments may put a prefix in front of every name
 * (e.g. `staging.`) so environments can share a cluster; `topicName` applies it.
 */
export const topics = {
  products: 'herald.products',
  users: 'herald.users',
  blogs: 'herald.blogs',
  posts: 'herald.posts',
} as const;

export type TopicKey = keyof typeof topics;
export type TopicName = (typeof topics)[TopicKey];

/** The full name of one topic under a deployment's prefix. */
export function topicName(key: TopicKey, prefix = ''): string {
  return `${prefix}${topics[key]}`;
}

/** The full names of every topic Herald publishes to, under a deployment's prefix. */
export function topicNames(prefix = ''): string[] {
  return (Object.keys(topics) as TopicKey[]).map((key) => topicName(key, prefix));
}

/**
 * The topic of storage notifications: object storage (MinIO's Kafka notification target, or the
 * in-process S3 of the embedded default) publishes there when an object is created under
 * `uploads/` of the media bucket. Its records are S3 event notifications as MinIO sends them, not
 * CloudEvents, so it is kept apart from `topics` (the event stream and the AsyncAPI document
 * cover CloudEvents only).
 */
export const mediaUploadsTopic = 'herald.media-uploads';

/** The full name of the storage notifications topic under a deployment's prefix. */
export function mediaUploadsTopicName(prefix = ''): string {
  return `${prefix}${mediaUploadsTopic}`;
}
