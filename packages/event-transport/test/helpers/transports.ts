import { randomUUID } from 'node:crypto';

export { onEachTransport, transportsUnderTest, type TransportUnderTest } from '../../testing/on-each-transport.js';

/** Fresh names per test, so tests never see each other's records or offsets. */
export function uniqueNames(): { topic: string; group: string; otherGroup: string } {
  const id = randomUUID();
  return { topic: `test-${id}`, group: `group-${id}`, otherGroup: `group-other-${id}` };
}
