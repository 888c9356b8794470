import { eventCatalog, eventTypes, type EventType } from './catalog.js';
import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } from './envelope.js';
import { topicName, topics, type TopicKey } from './topics.js';

export interface AsyncApiOptions {
  /** Prefix the deployment puts before every topic name. */
  topicPrefix?: string;
  /** Partitions per topic, documented in the Kafka channel binding. */
  partitions?: number;
  /** Kafka bootstrap servers to list, e.g. `{ production: 'redpanda:9092' }`. */
  servers?: Record<string, string>;
  /** Version of the API document (defaults to the package's major contract version). */
  version?: string;
}

const KAFKA_BINDING_VERSION = '0.5.0';

function messagesOf(topic: TopicKey): EventType[] {
  return eventTypes.filter((type) => eventCatalog[type].topic === topic);
}

/**
 * Builds the AsyncAPI 3.0 document of every topic and message from the same schemas the producer
 * and consumers validate with, so the published contract cannot drift from the enforced one.
 */
export function buildAsyncApiDocument(options: AsyncApiOptions = {}): Record<string, unknown> {
  const prefix = options.topicPrefix ?? '';
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const type of eventTypes) {
    const entry = eventCatalog[type];
    messages[type] = {
      name: type,
      title: type,
      summary: entry.schema.description,
      contentType: CLOUDEVENTS_STRUCTURED_CONTENT_TYPE,
      headers: {
        type: 'object',
        required: ['content-type'],
        properties: { 'content-type': { const: CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } },
      },
      payload: {
        schemaFormat: 'application/schema+json;version=draft-07',
        schema: entry.schema,
      },
      correlationId: { location: '$message.payload#/id' },
      bindings: {
        kafka: {
          key: { type: 'string', format: 'uuid', description: 'The event subject (aggregate id).' },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
      'x-dataschema': entry.schema.$id,
      'x-schema-version': entry.version,
    };
  }

  for (const topic of Object.keys(topics) as TopicKey[]) {
    const channelMessages = Object.fromEntries(
      messagesOf(topic).map((type) => [type, { $ref: `#/components/messages/${type}` }]),
    );
    channels[topic] = {
      address: topicName(topic, prefix),
      title: `${topic} events`,
      description: `Events of the ${topic} aggregate, keyed by aggregate id so order holds per aggregate.`,
      messages: channelMessages,
      bindings: {
        kafka: {
          topic: topicName(topic, prefix),
          ...(options.partitions ? { partitions: options.partitions } : {}),
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };
    operations[`publish${topic[0]!.toUpperCase()}${topic.slice(1)}`] = {
      action: 'send',
      title: `Herald publishes ${topic} events`,
      channel: { $ref: `#/channels/${topic}` },
      messages: messagesOf(topic).map((type) => ({ $ref: `#/channels/${topic}/messages/${type}` })),
    };
  }

  const servers = Object.fromEntries(
    Object.entries(options.servers ?? {}).map(([name, host]) => [
      name,
      { host, protocol: 'kafka', description: 'Kafka-protocol bootstrap server' },
    ]),
  );

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Herald events',
      version: options.version ?? '1.0.0',
      description:
        'Every state change in Herald is published as a CloudEvents 1.0 event, Kafka protocol binding in ' +
        'structured mode (record value = the whole event as JSON, header content-type = ' +
        `${CLOUDEVENTS_STRUCTURED_CONTENT_TYPE}, record key = subject). Delivery is at least once: ` +
        'deduplicate on the event id. Data schemas are closed and versioned (see dataschema).',
    },
    defaultContentType: CLOUDEVENTS_STRUCTURED_CONTENT_TYPE,
    ...(Object.keys(servers).length > 0 ? { servers } : {}),
    channels,
    operations,
    components: { messages },
  };
}
