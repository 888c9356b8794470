import { isTransientDatabaseError } from '@herald/analytics';
import { startConsumer, type RunningConsumer } from '@herald/consumer-runtime';
import type { EventTransport } from '@herald/event-transport';
import type { Logger } from 'pino';
import type { ImageService } from './service.js';

/** The API's consumer group for the media worker's verdicts. */
export const IMAGE_RESULTS_GROUP = 'api-images';

/**
 * Applies PostImageReady / PostImageRejected to the post's image, and on PostDeleted and
 * PostImageRemoved removes the image's objects from storage. Idempotent: a verdict changes the
 * row only for the current upload while it is pending, so redeliveries and verdicts about a
 * replaced upload change nothing (a verdict about an upload no longer its post's has its objects
 * removed); a removal happens once (its queued row goes with it), and one that fails is left to
 * the sweep rather than retried here, so that storage being away holds up no verdict. Started in
 * the background: until the topics exist (or while the broker is away) it tries again, and
 * verdicts wait in the topic.
 */
export function startImageResults({
  transport,
  prefix,
  images,
  log,
  retryMs = 1_000,
}: {
  transport: EventTransport;
  prefix: string;
  images: ImageService;
  log: Logger;
  retryMs?: number;
}): { stop(): Promise<void> } {
  let stopped = false;
  let running: RunningConsumer | undefined;
  const started = (async () => {
    while (!stopped) {
      try {
        running = await startConsumer(
          {
            name: IMAGE_RESULTS_GROUP,
            topics: ['posts'],
            eventTypes: ['PostImageReady', 'PostImageRejected', 'PostDeleted', 'PostImageRemoved'],
            handle: async (event) => {
              if (event.type === 'PostImageReady' || event.type === 'PostImageRejected') {
                await images.applyResult(event);
                return;
              }
              // The delete (of the post, or of its image) queued the image's objects; remove them
              // now rather than at the next sweep.
              const { failed } = await images.removeObjects({ postId: event.subject });
              if (failed > 0) log.warn({ postId: event.subject, failed }, 'objects of a removed image not removed yet (storage unavailable?); the sweep tries again');
            },
            // The database away is an outage to wait out, not a reason to drop a verdict.
            isTransient: isTransientDatabaseError,
          },
          { transport, prefix, log },
        );
        if (stopped) await running.stop();
        return;
      } catch (error) {
        log.warn({ err: error, retryInMs: retryMs }, 'image results consumer not started yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await started;
      await running?.stop();
    },
  };
}
