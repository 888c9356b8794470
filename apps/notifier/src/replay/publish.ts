import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, type HeraldEvent } from '@herald/event-schemas';
import type { EventTransport, OutgoingMessage } from '@herald/event-transport';

/** Header on every republished record, so consumers and people can tell a replay from the original. */
export const REPLAYED_HEADER = 'herald-replayed';

/**
 * Publishes events to `topic` in the order given (keyed by subject, so each aggregate's events
 * keep their order within a partition). Creates the topic when missing. Returns how many were sent.
 */
export async function publishEvents(
  events: AsyncIterable<HeraldEvent>,
  options: { transport: EventTransport; topic: string; partitions: number; batchSize?: number },
): Promise<number> {
  const { transport, topic } = options;
  const batchSize = options.batchSize ?? 500;
  await transport.ensureTopics([topic], options.partitions);
  const producer = transport.createProducer();
  await producer.connect();
  let sent = 0;
  try {
    let batch: OutgoingMessage[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await producer.send(batch);
      sent += batch.length;
      batch = [];
    };
    for await (const event of events) {
      batch.push({
        topic,
        key: event.subject,
        value: JSON.stringify(event),
        headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, [REPLAYED_HEADER]: 'true' },
      });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return sent;
}
