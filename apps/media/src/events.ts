import {
  CLOUDEVENTS_STRUCTURED_CONTENT_TYPE,
  assertValidEvent,
  createEvent,
  topicName,
  type PostImageReady,
  type PostImageReadyData,
  type PostImageRejected,
  type PostImageRejectedData,
} from '@herald/event-schemas';
import type { EventProducer } from '@herald/event-transport';
import { v5 } from 'uuid';

/** `source` of the events the worker publishes. */
export const MEDIA_EVENT_SOURCE = '/herald/media';

/** Namespace of the worker's event ids: v5('urn:herald:media', the URL namespace). */
export const MEDIA_EVENT_NAMESPACE = '43e76816-1e5e-5836-8126-0076d34a3d8f';

/** The one id an upload's outcome ever has, so that announcing it again is a duplicate consumers drop. */
export const outcomeEventId = (uploadId: string, outcome: 'ready' | 'rejected') => v5(`${uploadId}:${outcome}`, MEDIA_EVENT_NAMESPACE);

export function readyEvent(data: PostImageReadyData, time: Date): PostImageReady {
  return createEvent({
    type: 'PostImageReady',
    id: outcomeEventId(data.upload_id, 'ready'),
    subject: data.post_id,
    source: MEDIA_EVENT_SOURCE,
    time,
    data,
  });
}

export function rejectedEvent(data: PostImageRejectedData, time: Date): PostImageRejected {
  return createEvent({
    type: 'PostImageRejected',
    id: outcomeEventId(data.upload_id, 'rejected'),
    subject: data.post_id,
    source: MEDIA_EVENT_SOURCE,
    time,
    data,
  });
}

/** Sends the worker's events straight to the broker (on herald.posts, keyed by post id), each checked against its schema first. */
export interface MediaPublisher {
  /** Resolves once the broker acknowledged. `json` is sent as given, so a re-announcement repeats the first byte for byte. */
  publish(json: string): Promise<void>;
}

export function createMediaPublisher(producer: EventProducer, prefix: string): MediaPublisher {
  const topic = topicName('posts', prefix);
  return {
    async publish(json) {
      const event = assertValidEvent(JSON.parse(json));
      await producer.send([{ topic, key: event.subject, value: json, headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } }]);
    },
  };
}
