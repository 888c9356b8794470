import { TransportError } from '../errors.js';
import { oneRecordAtATime, resolveMaxBatchSize } from '../internal/batches.js';
import { assertTopicName } from '../internal/validate.js';
import type { ConsumerOptions, EventConsumer } from '../types.js';
import type { GroupCoordinator, GroupMember } from './group-coordinator.js';
import type { OffsetStore } from './offset-store.js';
import type { DeliverBatch } from './partition-runner.js';

const DEFAULT_REDELIVERY_DELAY_MS = 1000;

/** What a consumer needs from its broker. */
export interface EmbeddedConsumerContext {
  /** Rejects once the broker is closed (or could not load its data). */
  usable(): Promise<{ offsets: OffsetStore; coordinator: GroupCoordinator }>;
  /** Throws ERR_TRANSPORT_UNKNOWN_TOPIC for a topic that was never created. */
  assertTopicExists(topic: string): void;
  /** Consumers currently in a group, so that the broker's close() can stop them. */
  running: Set<EventConsumer>;
  memberId: number;
}

/**
 * An embedded consumer, plus the entry point the worker bridge uses: `deliver` receives the
 * revocation signal that the public BatchHandler has no place for.
 */
export interface EmbeddedConsumer extends EventConsumer {
  start(deliver: DeliverBatch, maxBatchSize: number): Promise<void>;
}

/** A member of an embedded consumer group; the group coordinator does the delivering. */
export function createEmbeddedConsumer(context: EmbeddedConsumerContext, options: ConsumerOptions): EmbeddedConsumer {
  let joined: { member: GroupMember; offsets: OffsetStore; coordinator: GroupCoordinator } | undefined;
  let stopping: Promise<void> = Promise.resolve();

  const consumer: EmbeddedConsumer = {
    async start(deliver, maxBatchSize) {
      const { offsets, coordinator } = await context.usable();
      if (joined) throw new TransportError('ERR_TRANSPORT_CONSUMER_FAILED', 'This consumer is already running');
      for (const topic of options.topics) {
        assertTopicName(topic);
        context.assertTopicExists(topic);
      }
      const member: GroupMember = {
        memberId: context.memberId,
        topics: [...options.topics],
        fromBeginning: options.fromBeginning ?? true,
        redeliveryDelayMs: options.redeliveryDelayMs ?? DEFAULT_REDELIVERY_DELAY_MS,
        commitOffsets: options.commitOffsets ?? true,
        deliver,
        maxBatchSize,
      };
      joined = { member, offsets, coordinator };
      context.running.add(consumer);
      await coordinator.join(options.groupId, member);
    },

    // One record per batch keeps run()'s contract exactly: each record committed as soon as
    // its handler resolved, and stop() waits for one record's handler at most.
    run(handler) {
      return consumer.start(oneRecordAtATime(handler), 1);
    },

    async runBatches(handler, batchOptions) {
      const maxBatchSize = resolveMaxBatchSize(batchOptions);
      await consumer.start((batch) => handler(batch), maxBatchSize);
    },

    stop() {
      // A second stop() while the first is under way (the broker's close() racing a worker
      // port's closing, say) waits for the same leave.
      if (!joined) return stopping;
      const { member, offsets, coordinator } = joined;
      joined = undefined;
      stopping = (async () => {
        await coordinator.leave(options.groupId, member);
        context.running.delete(consumer);
        await offsets.flush();
      })();
      return stopping;
    },
  };
  return consumer;
}
