import type { HandlerContext } from '@herald/consumer-runtime';
import type { HeraldEvent } from '@herald/event-schemas';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The context the runtime would pass with a first delivery of `event`. */
export function handlerContext(event: HeraldEvent, offset = 0): HandlerContext {
  return {
    record: {
      topic: 'herald.products',
      partition: 0,
      offset: String(offset),
      key: event.subject,
      value: JSON.stringify(event),
      headers: {},
      timestamp: Date.parse(event.time),
    },
    attempt: 1,
    log: silent,
    signal: new AbortController().signal,
  };
}
