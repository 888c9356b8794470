import { randomUUID } from 'node:crypto';
import { eventCatalog, type EventType } from './catalog.js';
import { CLOUDEVENTS_SPEC_VERSION, EVENT_DATA_CONTENT_TYPE, dataSchemaUri } from './envelope.js';
import type { EventData, EventOfType } from './types.js';
import { assertValidEvent } from './validate.js';

export interface CreateEventInput<T extends EventType> {
  type: T;
  /** Id of the aggregate; becomes `subject` and the Kafka record key. */
  subject: string;
  data: EventData<T>;
  source: string;
  id?: string;
  time?: Date;
}

/**
 * Builds a complete CloudEvent and validates it, so an event that breaks its contract fails
 * where it is made rather than in a consumer.
 */
export function createEvent<T extends EventType>(input: CreateEventInput<T>): EventOfType<T> {
  const event = {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id: input.id ?? randomUUID(),
    source: input.source,
    type: input.type,
    time: (input.time ?? new Date()).toISOString(),
    subject: input.subject,
    datacontenttype: EVENT_DATA_CONTENT_TYPE,
    dataschema: dataSchemaUri(input.type, eventCatalog[input.type].version),
    data: input.data,
  };
  return assertValidEvent(event) as EventOfType<T>;
}
