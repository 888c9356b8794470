import type { BatchContext, HandlerContext } from '@herald/consumer-runtime';
import type { HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord } from '@herald/event-transport';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function recordOf(event: HeraldEvent, offset: number, partition = 0): DeliveredRecord {
  return {
    topic: 'herald.products',
    partition,
    offset: String(offset),
    key: event.subject,
    value: JSON.stringify(event),
    headers: {},
    timestamp: Date.parse(event.time),
  };
}

/** The context the runtime would pass with a first delivery of `event`. */
export function handlerContext(event: HeraldEvent, offset = 0): HandlerContext {
  return { record: recordOf(event, offset), attempt: 1, log: silent, signal: new AbortController().signal };
}

/** The context the runtime would pass with a batch of `events` of one partition, the first at `firstOffset`. */
export function batchContext(events: readonly HeraldEvent[], firstOffset = 0, partition = 0): BatchContext {
  return {
    topic: 'herald.products',
    partition,
    records: events.map((event, index) => recordOf(event, firstOffset + index, partition)),
    attempt: 1,
    log: silent,
    signal: new AbortController().signal,
  };
}
