import type { HeraldEvent } from '@herald/event-schemas';
import type { DeliveredRecord, RecordBatch } from '@herald/event-transport';
import { sleep, type Backoff } from './backoff.js';
import type { DeadLetterSender } from './dead-letter-sender.js';
import { ConsumerRuntimeError, errorMessage } from './errors.js';
import type { ConsumerSettings } from './options.js';
import type { RecentIds } from './recent-ids.js';
import type { ConsumedEvent, ConsumerStats } from './types.js';

export interface BatchProcessorDeps<E extends ConsumedEvent = HeraldEvent> {
  settings: ConsumerSettings<E>;
  counters: ConsumerStats;
  recentIds: RecentIds;
  deadLetters: DeadLetterSender;
  backoff: Backoff;
  /** Aborted when the consumer is stopping. */
  signal: AbortSignal;
}

/**
 * Takes a batch of one partition through validation, type filtering, recent-duplicate skipping
 * and the handler, and resolves with how many records, from the first, are done (handled,
 * ignored, skipped, or dead-lettered with the broker's acknowledgement): the transport commits
 * those and delivers the rest again. It never rejects; a stop resolves with the done prefix.
 */
export type BatchProcessor = (batch: RecordBatch) => Promise<number>;

/** A valid, wanted event on its way to a handler, and where it sits in its batch. */
interface Pending<E extends ConsumedEvent> {
  index: number;
  event: E;
  record: DeliveredRecord;
  /** A second record of an event already pending in the same batch (the relay published it twice). */
  copy: boolean;
}

export function createBatchProcessor<E extends ConsumedEvent = HeraldEvent>(deps: BatchProcessorDeps<E>): BatchProcessor {
  const { settings, counters, recentIds, deadLetters, backoff, signal } = deps;
  const { log, group, maxAttempts } = settings;

  function stoppingError(record: DeliveredRecord, cause?: unknown): ConsumerRuntimeError {
    return new ConsumerRuntimeError(
      'ERR_CONSUMER_STOPPING',
      `Consumer ${group} is stopping; ${record.topic}/${record.partition}@${record.offset} will be delivered again`,
      { cause },
    );
  }

  /** Calls `handle` until it succeeds, the event is dead-lettered, or the consumer stops (throws). */
  async function handleWithRetries(event: E, record: DeliveredRecord): Promise<void> {
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

  /**
   * The checks every record goes through before a handler sees it. Returns the event when a
   * handler should see it, or null when the record is done (dead-lettered, ignored, or a
   * recent duplicate). Throws only when stopping before a dead letter was acknowledged.
   */
  async function screen(record: DeliveredRecord): Promise<E | null> {
    const parsed = settings.parse(record);
    if (!parsed.valid) {
      const reason = `invalid event: ${parsed.issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`;
      counters.lastError = reason;
      log.error(
        { group, topic: record.topic, partition: record.partition, offset: record.offset, reason },
        'invalid record; dead-lettering it',
      );
      await deadLetters.send(record, { reason, group, attempts: 0 });
      counters.deadLettered += 1;
      return null;
    }
    const event = parsed.event;
    if (settings.eventTypes && !settings.eventTypes.has(event.type)) {
      counters.ignored += 1;
      return null;
    }
    if (isRecentDuplicate(event, record)) return null;
    return event;
  }

  function isRecentDuplicate(event: E, record: DeliveredRecord): boolean {
    if (!recentIds.has(event.id)) return false;
    counters.duplicatesSkipped += 1;
    log.debug({ group, eventId: event.id, offset: record.offset }, 'event handled recently; skipping the redelivery');
    return true;
  }

  /** One record at a time, each through `handle` with its retries: for consumers without handleBatch. */
  async function processOneByOne(batch: RecordBatch): Promise<number> {
    for (const [index, record] of batch.records.entries()) {
      try {
        if (signal.aborted) throw stoppingError(record);
        const event = await screen(record);
        if (event) await handleWithRetries(event, record);
      } catch (error) {
        return giveBack(batch, index, error);
      }
    }
    return batch.records.length;
  }

  /**
   * A batch through handleBatch: every record screened first (dead letters sent in order), then
   * one call with the remaining events. A transient failure tries the whole batch again, for as
   * long as it takes; any other failure falls back to `handle`, event by event, so that a
   * poisonous event is isolated and dead-lettered while the others get through.
   */
  async function processTogether(batch: RecordBatch): Promise<number> {
    const { records } = batch;
    // done[i]: record i needs nothing more. The transport may commit up to the first that is not.
    const done = records.map(() => false);
    const donePrefix = (): number => {
      const first = done.indexOf(false);
      return first === -1 ? records.length : first;
    };
    const pending: Array<Pending<E>> = [];
    const inBatch = new Set<string>();
    for (const [index, record] of records.entries()) {
      try {
        if (signal.aborted) throw stoppingError(record);
        const event = await screen(record);
        if (event) {
          pending.push({ index, event, record, copy: inBatch.has(event.id) });
          inBatch.add(event.id);
        } else {
          done[index] = true;
        }
      } catch (error) {
        return giveBack(batch, donePrefix(), error);
      }
    }
    const together = pending.filter((item) => !item.copy);
    if (together.length === 0) return records.length;

    const handleBatch = settings.handleBatch!;
    const events = together.map((item) => item.event);
    const context = { topic: batch.topic, partition: batch.partition, records: together.map((item) => item.record) };
    const where = {
      group,
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: together[0]!.record.offset,
      events: events.length,
    };
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) return donePrefix();
      try {
        await handleBatch(events, { ...context, attempt, log, signal });
      } catch (error) {
        if (signal.aborted) return donePrefix();
        counters.lastError = errorMessage(error);
        if (settings.isTransient(error)) {
          counters.retries += 1;
          const delayMs = backoff.delayAfter(attempt);
          log.warn({ ...where, err: error, attempt, delayMs }, 'dependency unavailable; retrying the batch');
          await sleep(delayMs, signal);
          continue;
        }
        log.warn({ ...where, err: error, attempt }, 'batch handler failed; handling its events one by one');
        return fallBackToOneByOne(batch, pending, done, donePrefix);
      }
      for (const item of pending) {
        if (item.copy) {
          counters.duplicatesSkipped += 1;
        } else {
          recentIds.add(item.event.id);
          counters.handled += 1;
        }
      }
      counters.batches += 1;
      return records.length;
    }
  }

  async function fallBackToOneByOne(
    batch: RecordBatch,
    pending: ReadonlyArray<Pending<E>>,
    done: boolean[],
    donePrefix: () => number,
  ): Promise<number> {
    for (const item of pending) {
      try {
        // A copy is a duplicate once the event was handled; if the event was dead-lettered
        // instead, the copy is tried again, as it would be delivered on its own.
        if (!isRecentDuplicate(item.event, item.record)) await handleWithRetries(item.event, item.record);
        done[item.index] = true;
      } catch (error) {
        return giveBack(batch, donePrefix(), error);
      }
    }
    return batch.records.length;
  }

  /** The consumer is stopping (or something unexpected broke): the done prefix is committed, the rest comes again. */
  function giveBack(batch: RecordBatch, donePrefix: number, error: unknown): number {
    if (!signal.aborted) {
      counters.lastError = errorMessage(error);
      log.error(
        { err: error, group, topic: batch.topic, partition: batch.partition, handled: donePrefix, records: batch.records.length },
        'batch given back unfinished; the rest will be delivered again',
      );
    }
    return donePrefix;
  }

  return (batch) => (settings.handleBatch ? processTogether(batch) : processOneByOne(batch));
}
