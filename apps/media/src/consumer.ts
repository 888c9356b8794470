import { startConsumer, type ConsumerDefinition, type ConsumerRuntimeOptions, type ConsumerStats } from '@herald/consumer-runtime';
import { mediaUploadsTopicName, parseEvent, topicName, type HeraldEvent, type PostImageUploaded } from '@herald/event-schemas';
import { isTransportError, type EventProducer, type EventTransport, type TransportLogger } from '@herald/event-transport';
import { ensureBucket, isTransientS3Error } from '@herald/notifier';
import type * as Minio from 'minio';
import sharp from 'sharp';
import type { MediaSettings } from './config.js';
import { createMediaPublisher } from './events.js';
import { processUpload, type UploadJob, type UploadOutcome } from './process-upload.js';
import { createMediaStorage } from './storage.js';
import { parseStorageNotification, type UploadsStored } from './storage-notification.js';
import { createUploadQueue } from './upload-queue.js';

/** Consumer group (before the prefix) and dead-letter topic name of the media worker. */
export const MEDIA_CONSUMER_NAME = 'media';

/** What the worker consumes: storage notifications, and the post events (for PostImageUploaded). */
export type MediaWork = UploadsStored | HeraldEvent;

/** Storage or the broker unreachable or failing on their side: retried for as long as it takes, never dead-lettered. */
export const isTransientMediaError = (error: unknown) =>
  isTransientS3Error(error) || isTransportError(error, 'ERR_TRANSPORT_UNAVAILABLE') || isTransportError(error, 'ERR_TRANSPORT_SEND_FAILED');

export interface MediaConsumerOptions {
  s3: Minio.Client;
  producer: EventProducer;
  settings: MediaSettings;
  /** TOPIC_PREFIX of the deployment. */
  prefix: string;
}

function jobsOf(work: MediaWork): UploadJob[] {
  if (work.type === 'UploadsStored') return work.uploads;
  if (work.type !== 'PostImageUploaded') return [];
  const { data } = work as PostImageUploaded;
  return [{ postId: data.post_id, uploadId: data.upload_id, authorId: data.author_id }];
}

/**
 * The media worker as a consumer: every upload a storage notification or a PostImageUploaded
 * names is processed (see processUpload), MEDIA_CONCURRENCY at a time in this process whatever
 * the partitions, the uploads of a fetched batch side by side. A batch is handled once all its
 * uploads are decided; processing is idempotent, so a batch tried again only repeats outcomes.
 */
export function mediaConsumer(options: MediaConsumerOptions): ConsumerDefinition<MediaWork> {
  const { settings, prefix } = options;
  const storage = createMediaStorage(options.s3, settings.bucket);
  const publisher = createMediaPublisher(options.producer, prefix);
  const queue = createUploadQueue(settings.concurrency);
  const uploadsTopic = mediaUploadsTopicName(prefix);
  const handleAll = async (works: MediaWork[], log: TransportLogger, signal: AbortSignal) => {
    const runs = works.flatMap(jobsOf).map((job) =>
      queue.run(job, (job) => processUpload(job, { storage, publisher, settings, log, signal })).then((outcome: UploadOutcome) => {
        log.debug({ postId: job.postId, uploadId: job.uploadId, ...outcome }, 'upload handled');
      }),
    );
    const results = await Promise.allSettled(runs);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  return {
    name: MEDIA_CONSUMER_NAME,
    topics: ['posts', uploadsTopic],
    eventTypes: ['UploadsStored', 'PostImageUploaded'],
    parse: (record) => (record.topic === uploadsTopic ? parseStorageNotification(record.value, settings.bucket) : parseEvent(record.value)),
    handle: (work, context) => handleAll([work], context.log, context.signal),
    handleBatch: (works, context) => handleAll(works, context.log, context.signal),
    isTransient: isTransientMediaError,
  };
}

export interface StartMediaOptions {
  transport: EventTransport;
  s3: Minio.Client;
  settings: MediaSettings;
  prefix?: string;
  /** Partitions of the topics created when missing. Default 3. */
  partitions?: number;
  log?: TransportLogger;
  runtime?: Pick<ConsumerRuntimeOptions, 'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs' | 'recentIdsCapacity' | 'maxBatchSize'>;
}

export interface RunningMedia {
  readonly group: string;
  stats(): ConsumerStats;
  /** Lets the uploads in hand finish (or give up, to be delivered again), commits, leaves the group, disconnects its producer. */
  stop(): Promise<void>;
}

/**
 * Runs the media worker on a transport: makes sure the bucket and the topics exist, connects
 * its producer (results go straight to the broker), and starts consuming.
 */
export async function startMedia(options: StartMediaOptions): Promise<RunningMedia> {
  const prefix = options.prefix ?? '';
  // Decoded images are used once: libvips's operation cache would only hold memory.
  sharp.cache(false);
  await ensureBucket(options.s3, options.settings.bucket);
  await options.transport.ensureTopics([topicName('posts', prefix), mediaUploadsTopicName(prefix)], options.partitions ?? 3);
  const producer = options.transport.createProducer();
  await producer.connect();
  try {
    const consumer = await startConsumer(mediaConsumer({ s3: options.s3, producer, settings: options.settings, prefix }), {
      ...options.runtime,
      transport: options.transport,
      prefix,
      ...(options.log ? { log: options.log } : {}),
    });
    let stopping: Promise<void> | undefined;
    return {
      group: consumer.group,
      stats: () => consumer.stats(),
      stop: () =>
        (stopping ??= (async () => {
          await consumer.stop();
          await producer.disconnect();
        })()),
    };
  } catch (error) {
    await producer.disconnect().catch(() => {});
    throw error;
  }
}
