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
