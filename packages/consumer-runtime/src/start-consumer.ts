import { parseEvent, type HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord } from '@herald/event-transport';
import { createBackoff, sleep } from './backoff.js';
import { deadLetterTopic } from './dead-letter-records.js';
import { createDeadLetterSender } from './dead-letter-sender.js';
import { ConsumerRuntimeError, errorMessage } from './errors.js';
import { resolveSettings } from './options.js';
import { createRecentIds } from './recent-ids.js';
import type { ConsumerDefinition, ConsumerRuntimeOptions, ConsumerStats, RunningConsumer } from './types.js';

/**
 * Starts a consumer: joins group `${prefix}${name}` on the definition's topics and runs every
 * record through validation, type filtering, recent-duplicate skipping and the handler with
 * retries. A record is acknowledged (its offset committed by the transport) only once it was
 * handled, ignored, skipped as a duplicate, or its dead letter was acknowledged by the broker.
 *
 * Resolves once the consumer has joined its group. The dead-letter topic is created if missing.
 */
export async function startConsumer(
  definition: ConsumerDefinition,
  options: ConsumerRuntimeOptions,
): Promise<RunningConsumer> {
  const settings = resolveSettings(definition, options);
  const { transport, log, group, maxAttempts } = settings;
  const topic = deadLetterTopic(settings.name, settings.prefix);
  await transport.ensureTopics([topic], 1);

  const stopping = new AbortController();
  const { signal } = stopping;
  const backoff = createBackoff(settings.initialBackoffMs, settings.maxBackoffMs);
  const recentIds = createRecentIds(settings.recentIdsCapacity);
  const counters: ConsumerStats = {
    handled: 0,
    duplicatesSkipped: 0,
    ignored: 0,
    retries: 0,
    deadLettered: 0,
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
  const inFlight = new Set<Promise<void>>();

  function stoppingError(record: DeliveredRecord, cause?: unknown): ConsumerRuntimeError {
    return new ConsumerRuntimeError(
      'ERR_CONSUMER_STOPPING',
      `Consumer ${group} is stopping; ${record.topic}/${record.partition}@${record.offset} will be delivered again`,
      { cause },
    );
  }

  async function handleWithRetries(event: HeraldEvent, record: DeliveredRecord): Promise<void> {
    let failures = 0; // non-transient ones: only these count towards maxAttempts
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) throw stoppingError(record);
      try {
        await settings.handle(event, { record, attempt, log, signal });
      } catch (error) {
        // A handler giving up because we asked it to is not a failure of the event.
        if (signal.aborted) throw stoppingError(record, error);
        const message = errorMessage(error);
        counters.lastError = message;
        const transient = settings.isTransient(error);
        if (!transient) failures += 1;
        const context = { err: error, group, eventId: event.id, eventType: event.type, attempt, transient };
        if (!transient && failures >= maxAttempts) {
          log.error(context, 'event handler failed for good; dead-lettering the event');
          await deadLetters.send(record, { reason: message, group, attempts: attempt });
          counters.deadLettered += 1;
          return;
        }
        counters.retries += 1;
        const delayMs = backoff.delayAfter(attempt);
        log.warn(
          { ...context, delayMs },
          transient ? 'dependency unavailable; retrying the event' : 'event handler failed; retrying',
        );
        await sleep(delayMs, signal);
        continue;
      }
      recentIds.add(event.id);
      counters.handled += 1;
      return;
    }
  }

  async function processRecord(record: DeliveredRecord): Promise<void> {
    const parsed = parseEvent(record.value);
    if (!parsed.valid) {
      const reason = `invalid event: ${parsed.issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`;
      counters.lastError = reason;
      log.error(
        { group, topic: record.topic, partition: record.partition, offset: record.offset, reason },
        'invalid record; dead-lettering it',
      );
      await deadLetters.send(record, { reason, group, attempts: 0 });
      counters.deadLettered += 1;
      return;
    }
    const event = parsed.event;
    if (settings.eventTypes && !settings.eventTypes.has(event.type)) {
      counters.ignored += 1;
      return;
    }
    if (recentIds.has(event.id)) {
      counters.duplicatesSkipped += 1;
      log.debug({ group, eventId: event.id, offset: record.offset }, 'event handled recently; skipping the redelivery');
      return;
    }
    await handleWithRetries(event, record);
  }

  const consumer = transport.createConsumer({
    groupId: group,
    topics: settings.topics,
    fromBeginning: settings.fromBeginning,
  });
  try {
    await consumer.run(async (record) => {
      // Rejecting leaves the offset uncommitted: whoever consumes the partition next gets it.
      if (signal.aborted) throw stoppingError(record);
      const work = processRecord(record);
      inFlight.add(work);
      try {
        await work;
      } finally {
        inFlight.delete(work);
      }
    });
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
