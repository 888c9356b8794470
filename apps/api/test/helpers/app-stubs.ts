import { initialRelayStatus } from '../../src/publisher/protocol.js';
import type { Publisher } from '../../src/publisher/publisher.js';
import type { EventHub } from '../../src/stream/event-hub.js';

/**
 * Stand-ins for the parts of the API that tests of the HTTP layer alone (routes, contract, logging)
 * never exercise: a publisher worker that is always running, and an event hub that never
 * receives anything.
 */
export const stubPublisher: Publisher = {
  nudge() {},
  state: () => ({ ...initialRelayStatus(), worker: 'running', workerRestarts: 0 }),
  stop: async () => {},
};

export const idleHub: EventHub = {
  start: async () => {},
  attach: () => ({ recent: [], detach() {} }),
  listenerCount: () => 0,
  stop: async () => {},
};
