import type { TransportLogger } from '../types.js';
import type { Wakeup } from '../internal/wakeup.js';
import type { OffsetStore } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import { startPartitionRunner, type DeliverBatch, type PartitionRunner } from './partition-runner.js';

/** One running consumer as its group sees it. */
export interface GroupMember {
  readonly memberId: number;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly redeliveryDelayMs: number;
  /** False: what this member handles is never written to the offset store (ConsumerOptions.commitOffsets). */
  readonly commitOffsets: boolean;
  readonly deliver: DeliverBatch;
  readonly maxBatchSize: number;
}

/**
 * Consumer groups of the embedded broker. Every group sees every record; within a group each
 * topic-partition is owned by exactly one member. Rebalancing is "eager" like Kafka's classic
 * protocol: every runner of the group stops (its in-flight handler finishes and is committed)
 * before partitions are handed out again, so two members never hold the same partition at once.
 */
export interface GroupCoordinator {
  /** Resolves once the member owns its share of partitions (the rebalance is complete). */
  join(groupId: string, member: GroupMember): Promise<void>;
  /** Resolves once the member's runners have stopped and the others took over its partitions. */
  leave(groupId: string, member: GroupMember): Promise<void>;
}

export interface GroupCoordinatorOptions {
  partitionsOf(topic: string): readonly PartitionLog[];
  offsets: OffsetStore;
  isAvailable(): boolean;
  availabilityChanged: Wakeup;
  logger: TransportLogger;
}

interface GroupState {
  readonly members: Map<number, GroupMember>;
  runners: PartitionRunner[];
  /**
   * Start positions chosen for partitions that have no committed offset yet. Without it a
   * `fromBeginning: false` group would jump to the then-latest offset at every rebalance and
   * skip what was appended in between.
   */
  readonly startPositions: Map<string, number>;
  queue: Promise<void>;
}

export function createGroupCoordinator(options: GroupCoordinatorOptions): GroupCoordinator {
  const { offsets, logger } = options;
  const groups = new Map<string, GroupState>();

  function groupState(groupId: string): GroupState {
    let group = groups.get(groupId);
    if (!group) {
      group = { members: new Map(), runners: [], startPositions: new Map(), queue: Promise.resolve() };
      groups.set(groupId, group);
    }
    return group;
  }

  async function reassign(groupId: string, group: GroupState): Promise<void> {
    const previous = group.runners;
    group.runners = [];
    await Promise.all(previous.map((runner) => runner.stop()));

    const members = [...group.members.values()].sort((a, b) => a.memberId - b.memberId);
    if (members.length === 0) {
      group.startPositions.clear(); // like Kafka: an empty group without commits starts afresh
      return;
    }
    const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const eligible = members.filter((member) => member.topics.includes(topic));
      for (const log of options.partitionsOf(topic)) {
        const member = eligible[turn++ % eligible.length]!;
        const key = `${topic}\u0000${log.partition}`;
        const committed = offsets.get(groupId, topic, log.partition);
        let startOffset = committed ?? group.startPositions.get(key);
        if (startOffset === undefined) {
          startOffset = member.fromBeginning ? 0 : log.highWatermark;
          group.startPositions.set(key, startOffset);
        }
        group.runners.push(
          startPartitionRunner({
            groupId,
            log,
            startOffset,
            deliver: member.deliver,
            maxBatchSize: member.maxBatchSize,
            redeliveryDelayMs: member.redeliveryDelayMs,
            commit: member.commitOffsets ? (next) => offsets.commit(groupId, topic, log.partition, next) : () => {},
            isAvailable: options.isAvailable,
            availabilityChanged: options.availabilityChanged,
            logger,
          }),
        );
      }
    }
    logger.debug(
      { groupId, members: members.length, partitions: group.runners.length },
      'embedded consumer group rebalanced',
    );
  }

  function rebalance(groupId: string, group: GroupState): Promise<void> {
    const step = group.queue.then(() => reassign(groupId, group));
    group.queue = step.catch(() => {});
    return step;
  }

  return {
    join(groupId, member) {
      const group = groupState(groupId);
      group.members.set(member.memberId, member);
      return rebalance(groupId, group);
    },
    leave(groupId, member) {
      const group = groupState(groupId);
      if (!group.members.delete(member.memberId)) return group.queue;
      return rebalance(groupId, group);
    },
  };
}
