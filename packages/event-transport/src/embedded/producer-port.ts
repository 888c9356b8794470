import type { MessagePort } from 'node:worker_threads';
import { TransportError } from '../errors.js';
import { assertMessages } from '../internal/validate.js';
import type { EventProducer } from '../types.js';
import { createPortClient, type PortClient } from './port-client.js';

/**
 * Worker side of a producer on the embedded broker: send() posts the batch to the main thread
 * and resolves once the broker stored it. `port` is one the broker opened (openTransportPort(),
 * or openProducerPort(), its older name) and that was transferred to this worker.
 */
export function connectEmbeddedProducer(port: MessagePort): EventProducer {
  return createPortProducer(createPortClient(port));
}

/** A producer over a port client; the broker applies its sends in the order they were posted. */
export function createPortProducer(client: PortClient): EventProducer {
  let disconnected = false;
  return {
    async connect() {
      disconnected = false;
      await client.request({ op: 'connect' }, 'ERR_TRANSPORT_SEND_FAILED');
    },
    async send(messages) {
      if (disconnected) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The producer is disconnected');
      assertMessages(messages);
      if (messages.length === 0) return;
      await client.request({ op: 'send', messages }, 'ERR_TRANSPORT_SEND_FAILED');
    },
    async disconnect() {
      disconnected = true;
    },
  };
}
