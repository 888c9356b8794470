import t from 'tap';
import { buildAsyncApiDocument, eventCatalog, eventTypes } from '@herald/event-schemas';

type Doc = {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: { messages: Record<string, { payload: { schema: unknown }; contentType: string }> };
};

t.test('the AsyncAPI 3 document lists every event on its topic with its schema', async (t) => {
  const doc = buildAsyncApiDocument({ topicPrefix: 'staging.', partitions: 6 }) as unknown as Doc;
  t.equal(doc.asyncapi, '3.0.0');
  t.equal(doc.channels.products?.address, 'staging.herald.products');
  for (const type of eventTypes) {
    const topic = eventCatalog[type].topic;
    t.same(doc.channels[topic]?.messages[type], { $ref: `#/components/messages/${type}` });
    t.equal(doc.components.messages[type]?.payload.schema, eventCatalog[type].schema);
    t.equal(doc.components.messages[type]?.contentType, 'application/cloudevents+json');
  }
});

t.test('every operation references messages that its channel declares', async (t) => {
  const doc = buildAsyncApiDocument() as unknown as Doc;
  for (const [name, operation] of Object.entries(doc.operations)) {
    t.equal(operation.action, 'send', `${name} is sent by Herald`);
    const channel = operation.channel.$ref.replace('#/channels/', '');
    for (const { $ref } of operation.messages) {
      const [, refChannel, , message] = $ref.split('/').slice(1);
      t.equal(refChannel, channel);
      t.ok(doc.channels[channel]?.messages[message!], `${$ref} resolves`);
    }
  }
});
