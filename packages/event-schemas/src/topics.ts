/**
 * Kafka topics, one per aggregate. Deployments may put a prefix in front of every name
 * (e.g. `staging.`) so environments can share a cluster; `topicName` applies it.
 */
export const topics = {
  products: 'herald.products',
} as const;

export type TopicKey = keyof typeof topics;
export type TopicName = (typeof topics)[TopicKey];

/** Dead letters of any consumer go to `<topic>.dlq`-style names built by consumers; listed here for discovery. */
export function topicName(key: TopicKey, prefix = ''): string {
  return `${prefix}${topics[key]}`;
}
