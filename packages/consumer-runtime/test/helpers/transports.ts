import { randomUUID } from 'node:crypto';

export { onEachTransport, transportsUnderTest, type TransportUnderTest } from '@herald/event-transport/testing';

/** Fresh names per test, so tests never see each other's records, groups or dead letters. */
export function uniqueNames(): { topic: string; name: string; prefix: string } {
  const id = randomUUID();
  return { topic: `test-${id}`, name: `consumer-${id.slice(0, 8)}`, prefix: `t${id.slice(9, 13)}${id.slice(14, 18)}.` };
}
