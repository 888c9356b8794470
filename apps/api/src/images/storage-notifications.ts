import { mediaUploadsTopicName } from '@herald/event-schemas';
import type { EventProducer, EventTransport } from '@herald/event-transport';
import type { StorageNotificationOptions } from '@herald/notifier';

/** Tries per notification before it is given up (the API's safety-net scan covers a lost one). */
const SEND_ATTEMPTS = 5;

/**
 * What the in-process S3 of the embedded default does with a created upload: publish its S3
 * event notification to `herald.media-uploads`, keyed `<bucket>/<key>`, as MinIO's Kafka target
 * does in the real stack.
 */
export function storageNotificationSender(transport: EventTransport, topicPrefix: string): StorageNotificationOptions & { close(): Promise<void> } {
  let producer: Promise<EventProducer> | undefined;
  const connected = () =>
    (producer ??= (async () => {
      const created = transport.createProducer();
      await created.connect();
      return created;
    })().catch((error) => {
      producer = undefined;
      throw error;
    }));
  return {
    prefix: 'uploads/',
    async send(notification) {
      const message = {
        topic: mediaUploadsTopicName(topicPrefix),
        key: notification.Key,
        value: JSON.stringify(notification),
        headers: { 'content-type': 'application/json' },
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await (await connected()).send([message]);
          return;
        } catch (error) {
          if (attempt >= SEND_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
        }
      }
    },
    async close() {
      const current = producer;
      producer = undefined;
      if (current) await (await current.catch(() => undefined))?.disconnect();
    },
  };
}
