/**
 * CloudEvents 1.0 envelope shared by every Herald event. Each event schema spreads
 * `envelopeProperties` and pins `type`, `dataschema` and `data`, so the envelope is written once.
 */

/** The value of `specversion` on every event. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** Kafka protocol binding, structured mode: the record value is the whole CloudEvent as JSON. */
export const CLOUDEVENTS_STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

/** Content type of `data` inside every envelope. */
export const EVENT_DATA_CONTENT_TYPE = 'application/json';

/** JSON Schema properties of the envelope attributes that are the same for every event type. */
export const envelopeProperties = {
  specversion: { const: '1.0' },
  id: { type: 'string', format: 'uuid', description: 'Unique per event; consumers deduplicate on it.' },
  source: { type: 'string', minLength: 1, description: 'URI-reference of the producing service.' },
  time: { type: 'string', format: 'date-time', description: 'When the state change committed.' },
  subject: {
    type: 'string',
    minLength: 1,
    description: 'Id of the aggregate the event is about; also the Kafka record key.',
  },
  datacontenttype: { const: 'application/json' },
} as const;

export const envelopeRequired = [
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
] as const;

/** `dataschema` URI of an event type at a schema version, e.g. `urn:herald:event:ProductCreated:1`. */
export function dataSchemaUri(type: string, version: number): string {
  return `urn:herald:event:${type}:${version}`;
}
