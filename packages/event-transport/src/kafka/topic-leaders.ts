import { TransportError } from '../errors.js';
import { isNotYetKnownTopic } from './kafka-errors.js';

export interface TopicPartitionsMetadata {
  name: string;
  partitions: ReadonlyArray<{ partitionId: number; leader: number }>;
}

export type FetchTopicMetadata = (topics: string[]) => Promise<{ topics: TopicPartitionsMetadata[] }>;

export interface LeaderWaitOptions {
  timeoutMs: number;
  pollMs: number;
  /**
   * Asks a topic's leaders themselves (e.g. for its offsets) once metadata names them: metadata
   * can name a leader a moment before that broker serves the partition.
   */
  confirm?: (topic: string) => Promise<unknown>;
}

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own wait after CreateTopics
 * gives up at the first UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for as long as
 * the controller's new topic has not reached its metadata cache (hundreds of milliseconds on a
 * busy machine): here that answer, like LEADER_NOT_AVAILABLE, means "not yet", until the timeout.
 */
export async function waitForTopicLeaders(
  fetchMetadata: FetchTopicMetadata,
  topics: string[],
  { timeoutMs, pollMs, confirm }: LeaderWaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waitingFor = topics;
  const confirmed = new Set<string>();
  /** The topics whose leaders do not serve them yet; the others are remembered as confirmed. */
  const notServedYet = async (ask: (topic: string) => Promise<unknown>, candidates: string[]): Promise<string[]> => {
    const waiting: string[] = [];
    for (const topic of candidates) {
      try {
        await ask(topic);
        confirmed.add(topic);
      } catch (error) {
        if (!isNotYetKnownTopic(error)) throw error;
        waiting.push(topic);
      }
    }
    return waiting;
  };
  for (;;) {
    try {
      const { topics: found } = await fetchMetadata(waitingFor);
      waitingFor = waitingFor.filter((topic) => !hasLeaders(found.find((entry) => entry.name === topic)));
      if (waitingFor.length === 0) {
        waitingFor = confirm ? await notServedYet(confirm, topics.filter((topic) => !confirmed.has(topic))) : [];
        if (waitingFor.length === 0) return;
      }
    } catch (error) {
      if (!isNotYetKnownTopic(error)) throw error;
    }
    if (Date.now() >= deadline) {
      throw new TransportError('ERR_TRANSPORT_ADMIN_FAILED', `Topics created, but no leader for every partition within ${timeoutMs} ms: ${waitingFor.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function hasLeaders(topic: TopicPartitionsMetadata | undefined): boolean {
  return topic !== undefined && topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0);
}
