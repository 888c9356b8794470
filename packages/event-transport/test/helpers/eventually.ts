import type { DeliveredRecord, OutgoingMessage, RecordHandler } from '../../src/index.js';
import { eventually } from '@herald/stack';


/** A handler that remembers what it was given, in delivery order. */
export function createCollector(): { records: DeliveredRecord[]; handler: RecordHandler; waitForCount(count: number): Promise<DeliveredRecord[]> } {
  const records: DeliveredRecord[] = [];
  return {
    records,
    handler: async (record) => {
      records.push(record);
    },
    waitForCount: (count) =>
      eventually(() => {
        if (records.length < count) throw new Error(`received ${records.length} of ${count} records`);
        return records;
      }),
  };
}

export function message(topic: string, key: string, value: string, headers: Record<string, string> = {}): OutgoingMessage {
  return { topic, key, value, headers };
}

// Shared with every workspace's tests.
export { eventually };
