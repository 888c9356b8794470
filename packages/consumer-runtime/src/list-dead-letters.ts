import { randomUUID } from 'node:crypto';
import type { EventTransport } from '@herald/event-transport';
import { deadLetterTopic, readerGroup, redriveGroup, redriveLogTopic, toDeadLetter } from './dead-letter-records.js';
import { ConsumerRuntimeError } from './errors.js';
import { assertConsumerName } from './options.js';
import { readTopicToEnd } from './topic-reader.js';
import type { DeadLetter, DeadLetterQuery } from './types.js';

export const DEFAULT_DEAD_LETTERS_TIMEOUT_MS = 30_000;

/** What the re-drive bookkeeping says, next to the dead letters it applies to. */
export interface DeadLetterSnapshot {
  deadLetters: DeadLetter[];
  /** Next offset the re-drive group reads: every dead letter below it was re-driven. */
  committed: bigint;
  /** Offsets re-driven ahead of `committed` (see redriveDeadLetters). */
  logged: ReadonlySet<string>;
}

function timeoutOf(query: DeadLetterQuery): number {
  return query.timeoutMs ?? DEFAULT_DEAD_LETTERS_TIMEOUT_MS;
}

export async function readDeadLetterSnapshot(
  transport: EventTransport,
  query: DeadLetterQuery,
): Promise<DeadLetterSnapshot> {
  assertConsumerName(query.name);
  const prefix = query.prefix ?? '';
  const topic = deadLetterTopic(query.name, prefix);
  const contents = await readTopicToEnd(transport, topic, {
    group: readerGroup(query.name, prefix, randomUUID()),
    timeoutMs: timeoutOf(query),
  });
  if (contents === null || contents.records.length === 0) {
    return { deadLetters: [], committed: 0n, logged: new Set() };
  }
  if (contents.partitions !== 1) {
    throw new ConsumerRuntimeError(
      'ERR_DEAD_LETTER_TOPIC_PARTITIONS',
      `Dead-letter topic ${topic} has ${contents.partitions} partitions; it must have exactly one so that its offsets order it`,
    );
  }

  // Read after the dead letters: a re-drive finishing meanwhile can only mark more as re-driven.
  const [lag] = await transport.consumerLag(redriveGroup(query.name, prefix), [topic]);
  const committedOffset = BigInt(lag?.committedOffset ?? '-1');
  const committed = committedOffset < 0n ? 0n : committedOffset;
  const log = await readTopicToEnd(transport, redriveLogTopic(query.name, prefix), {
    group: readerGroup(query.name, prefix, randomUUID()),
    timeoutMs: timeoutOf(query),
  });
  const logged = new Set((log?.records ?? []).flatMap((record) => (record.key ? [record.key] : [])));

  const deadLetters = contents.records.map((record) =>
    toDeadLetter(record, BigInt(record.offset) < committed || logged.has(record.offset)),
  );
  return { deadLetters, committed, logged };
}

/**
 * Every dead letter of consumer `name`, oldest first, as the topic was when the call began.
 * A missing or empty dead-letter topic gives []. Reads with a throwaway consumer group (named
 * `${prefix}herald.dead-letters-reader.${name}.<uuid>`), which leaves committed offsets behind
 * until the broker expires them (Kafka: offsets.retention.minutes, 7 days by default).
 */
export async function listDeadLetters(transport: EventTransport, query: DeadLetterQuery): Promise<DeadLetter[]> {
  return (await readDeadLetterSnapshot(transport, query)).deadLetters;
}
