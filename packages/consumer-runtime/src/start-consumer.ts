import { setMaxListeners } from 'node:events';
import { createBackoff } from './backoff.js';
import { deadLetterTopic } from './dead-letter-records.js';
import { createDeadLetterSender } from './dead-letter-sender.js';
import { resolveSettings } from './options.js';
import { createBatchProcessor } from './process-batch.js';
import { createRecentIds } from './recent-ids.js';
import type { HeraldEvent } from '@herald/event-schemas';
import type { ConsumedEvent, ConsumerDefinition, ConsumerRuntimeOptions, ConsumerStats, RunningConsumer } from './types.js';

/**
 * Starts a consumer: joins group `${prefix}${name}` on the definition's topics and runs every
 * fetched batch through validation, type filtering, recent-duplicate skipping and the handler
 * with retries: `handleBatch` once per batch when the definition has one, `handle` per event
 * otherwise (see process-batch.ts). A record is acknowledged (its offset committed by the
 * transport) only once it and every record before it in its partition were handled, ignored,
 * skipped as duplicates, or dead-lettered with the broker's acknowledgement.
 *
 * Resolves once the consumer has joined its group. The dead-letter topic is created if missing.
 */
export async function startConsumer<E extends ConsumedEvent = HeraldEvent>(
  definition: ConsumerDefinition<E>,
  options: ConsumerRuntimeOptions,
): Promise<RunningConsumer> {
  const settings = resolveSettings(definition, options);
  const { transport, log, group } = settings;
  const topic = deadLetterTopic(settings.name, settings.prefix);
  await transport.ensureTopics([topic], 1);

  const stopping = new AbortController();
  const { signal } = stopping;
  // Every handler in flight (one batch per partition, each with its own requests) listens to it.
  setMaxListeners(0, signal);
  const backoff = createBackoff(settings.initialBackoffMs, settings.maxBackoffMs);
  const recentIds = createRecentIds(settings.recentIdsCapacity);
  const counters: ConsumerStats = {
    handled: 0,
    duplicatesSkipped: 0,
    ignored: 0,
    retries: 0,
    deadLettered: 0,
    batches: 0,
    lastError: null,
  };
  const deadLetters = createDeadLetterSender({
    transport,
    topic,
    backoff,
    signal,
    log,
    onError: (message) => {
      counters.lastError = message;
    },
  });
  const processBatch = createBatchProcessor({ settings, counters, recentIds, deadLetters, backoff, signal });
  const inFlight = new Set<Promise<number>>();

  const consumer = transport.createConsumer({
    groupId: group,
    topics: settings.topics,
    fromBeginning: settings.fromBeginning,
  });
  try {
    await consumer.runBatches(
      async (batch) => {
        // Records not reported handled stay uncommitted: whoever consumes the partition next gets them.
        if (signal.aborted) return 0;
        const work = processBatch(batch);
        inFlight.add(work);
        try {
          return await work;
        } finally {
          inFlight.delete(work);
        }
      },
      settings.maxBatchSize === undefined ? {} : { maxBatchSize: settings.maxBatchSize },
    );
  } catch (error) {
    stopping.abort();
    await consumer.stop().catch(() => {});
    await deadLetters.close().catch(() => {});
    throw error;
  }
  log.info({ group, topics: settings.topics, deadLetterTopic: topic }, 'consumer started');

  let stopped: Promise<void> | undefined;
  return {
    group,
    deadLetterTopic: topic,
    stats: () => ({ ...counters }),
    stop() {
      stopped ??= (async () => {
        stopping.abort(); // ends backoff waits and tells handlers to give up
        await Promise.allSettled([...inFlight]);
        try {
          await consumer.stop(); // commits what was handled, leaves the group
        } finally {
          await deadLetters
            .close()
            .catch((error: unknown) => log.warn({ err: error, group }, 'closing the dead-letter producer failed'));
          log.info({ group, stats: { ...counters } }, 'consumer stopped');
        }
      })();
      return stopped;
    },
  };
}
