import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveredRecord, OutgoingMessage, RecordHandler } from '../../src/index.js';

/** Retries `check` until it stops throwing, then returns its result; rethrows after the timeout. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(intervalMs);
  }
}

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
