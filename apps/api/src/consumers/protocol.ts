import type { ConsumerStats } from '@herald/consumer-runtime';
import type { TransportDescriptor } from '@herald/event-transport';
import type { FeedSettings } from '@herald/fanout';
import type { MediaSettings } from '@herald/media';
import type { ArchiverStats, NotifierConfig } from '@herald/notifier';

/** What the consumer thread is started with (structured-cloneable, through `workerData`). */
export interface ConsumerThreadSettings {
  databaseUrl: string;
  notifierConfig: NotifierConfig;
  /** Where the fan-out writes the feeds. */
  feeds: FeedSettings;
  /** What the media worker does with each upload. */
  media: MediaSettings;
  topicPrefix: string;
  logLevel: string;
  /** Connections of the thread's own database pool. */
  poolMax: number;
}

export interface ConsumerReport {
  group: string;
  stats: ConsumerStats;
}

export type MainToConsumerThread = { type: 'start' } | { type: 'stop' };

export type ConsumerThreadToMain =
  /** The event log and archive are reachable at these endpoints (embedded ones run in the thread). */
  | { type: 'stores'; dynamodbEndpoint: string; s3Endpoint: string }
  | { type: 'started' }
  | { type: 'stats'; consumers: ConsumerReport[]; archive: ArchiverStats | undefined }
  | { type: 'stopped' };

export interface ConsumerThreadData {
  settings: ConsumerThreadSettings;
  descriptor: TransportDescriptor;
}
