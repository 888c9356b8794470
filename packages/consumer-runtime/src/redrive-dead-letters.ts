import { parseEvent } from '@herald/event-schemas';
import type { EventTransport } from '@herald/event-transport';
import { deadLetterTopic, redriveGroup, redriveLogTopic } from './dead-letter-records.js';
import { ConsumerRuntimeError } from './errors.js';
import { DEFAULT_DEAD_LETTERS_TIMEOUT_MS, readDeadLetterSnapshot } from './list-dead-letters.js';
import { silentLogger } from './silent-logger.js';
import type { DeadLetter, RedriveOptions, RedriveResult } from './types.js';

/**
 * Republishes the dead letters of consumer `name` that were not re-driven yet (only those of
 * `eventIds` when given), oldest first, and records each as re-driven once `republish` resolved.
 * Dead letters added while it runs are left for the next call.
 *
 * Bookkeeping. The re-drive group `${prefix}herald.redrive.${name}` consumes the dead-letter
 * topic, and its committed offset means "everything below was re-driven". A commit cannot skip
 * a record, so when a dead letter must stay (not in `eventIds`, or not a valid event, which
 * would only be dead-lettered again) the group stops just before it: the contiguous prefix. The
 * selected dead letters after it are republished too and their offsets appended to the one-
 * partition topic `${prefix}herald.redriven.${name}`; listDeadLetters counts both. A later call
 * moves the group past logged offsets without republishing them.
 *
 * At least once: a crash between `republish` and its record (commit or log append) republishes
 * that dead letter again on the next call; consumers are idempotent by event id. Two re-drives of
 * the same consumer at once are not supported: the second waits for the group's partition and
 * fails with ERR_DEAD_LETTERS_TIMEOUT, or republishes some logged dead letters twice.
 */
export async function redriveDeadLetters(transport: EventTransport, options: RedriveOptions): Promise<RedriveResult> {
  const prefix = options.prefix ?? '';
  const log = options.log ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DEAD_LETTERS_TIMEOUT_MS;
  const { deadLetters, committed } = await readDeadLetterSnapshot(transport, options);
  const selected = options.eventIds ? new Set(options.eventIds) : undefined;

  const toRepublish: DeadLetter[] = [];
  const skipped: RedriveResult['skipped'] = [];
  for (const deadLetter of deadLetters) {
    if (deadLetter.redriven) continue;
    const reason = skipReason(deadLetter, selected);
    if (reason) skipped.push({ offset: deadLetter.offset, reason });
    else toRepublish.push(deadLetter);
  }
  const waitingIds = new Set(
    deadLetters.filter((deadLetter) => !deadLetter.redriven).map((deadLetter) => deadLetter.eventId),
  );
  const notFound = [...(selected ?? [])].filter((id) => !waitingIds.has(id));

  // The group may commit up to the first dead letter that stays, or to the end of the snapshot.
  const last = deadLetters.at(-1);
  const boundary = skipped[0] ? BigInt(skipped[0].offset) : last ? BigInt(last.offset) + 1n : 0n;
  const inOrder = toRepublish.filter((deadLetter) => BigInt(deadLetter.offset) < boundary);
  const ahead = toRepublish.filter((deadLetter) => BigInt(deadLetter.offset) > boundary);

  const redriven: string[] = [];
  const republish = async (deadLetter: DeadLetter): Promise<void> => {
    await options.republish(deadLetter);
    redriven.push(deadLetter.eventId!); // valid events only, so never null
    log.info(
      { consumer: options.name, offset: deadLetter.offset, eventId: deadLetter.eventId },
      'dead letter re-driven',
    );
  };

  if (committed < boundary) {
    await consumeUpTo(transport, {
      topic: deadLetterTopic(options.name, prefix),
      group: redriveGroup(options.name, prefix),
      boundary,
      timeoutMs,
      // Logged dead letters are not in it (they count as re-driven): the group just moves past them.
      pending: new Map(inOrder.map((deadLetter) => [deadLetter.offset, deadLetter])),
      republish,
    });
  }
  if (ahead.length > 0) {
    await republishAhead(transport, redriveLogTopic(options.name, prefix), ahead, republish);
  }
  return { redriven, skipped, notFound };
}

function skipReason(deadLetter: DeadLetter, selected: ReadonlySet<string> | undefined): string | undefined {
  if (selected && (deadLetter.eventId === null || !selected.has(deadLetter.eventId))) {
    return 'not selected (event id not in eventIds)';
  }
  const parsed = parseEvent(deadLetter.value);
  if (!parsed.valid) {
    const issues = parsed.issues.map((issue) => `${issue.path} ${issue.message}`).join('; ');
    return `not a valid event, it would be dead-lettered again: ${issues}`;
  }
  return undefined;
}

interface ConsumeUpTo {
  topic: string;
  group: string;
  /** First offset not to commit. */
  boundary: bigint;
  timeoutMs: number;
  /** Dead letters to republish, by offset; the others below `boundary` are only acknowledged. */
  pending: Map<string, DeadLetter>;
  republish(deadLetter: DeadLetter): Promise<void>;
}

/** Runs the re-drive group from its committed offset to `boundary`, republishing on the way. */
async function consumeUpTo(transport: EventTransport, plan: ConsumeUpTo): Promise<void> {
  let failure: { error: unknown } | undefined;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const refuse = (offset: string): ConsumerRuntimeError =>
    new ConsumerRuntimeError(
      'ERR_CONSUMER_STOPPING',
      `Re-drive stops before ${plan.topic}@${offset}; it stays uncommitted`,
    );

  const consumer = transport.createConsumer({ groupId: plan.group, topics: [plan.topic], fromBeginning: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConsumerRuntimeError(
            'ERR_DEAD_LETTERS_TIMEOUT',
            `Re-driving ${plan.topic} did not reach offset ${plan.boundary} within ${plan.timeoutMs} ms`,
          ),
        ),
      plan.timeoutMs,
    );
  });
  try {
    const running = consumer.run(async (record) => {
      const offset = BigInt(record.offset);
      // Rejecting keeps the offset uncommitted; the consumer is stopped right after.
      if (failure || offset >= plan.boundary) {
        settle();
        throw refuse(record.offset);
      }
      const deadLetter = plan.pending.get(record.offset);
      if (deadLetter) {
        try {
          await plan.republish(deadLetter);
        } catch (error) {
          failure = { error };
          settle();
          throw error;
        }
        plan.pending.delete(record.offset); // a redelivery after a rebalance is only acknowledged
      }
      if (offset + 1n >= plan.boundary) settle();
    });
    running.catch(() => {}); // awaited below; this only keeps a late failure after a timeout quiet
    await Promise.race([running, timeout]);
    await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
    await consumer.stop(); // commits what was handled
  }
  if (failure) throw failure.error;
}

/** Republishes dead letters past the group's reach and logs each offset once republished. */
async function republishAhead(
  transport: EventTransport,
  logTopic: string,
  deadLetters: DeadLetter[],
  republish: (deadLetter: DeadLetter) => Promise<void>,
): Promise<void> {
  await transport.ensureTopics([logTopic], 1);
  const producer = transport.createProducer();
  try {
    await producer.connect();
    for (const deadLetter of deadLetters) {
      await republish(deadLetter);
      await producer.send([
        {
          topic: logTopic,
          key: deadLetter.offset,
          value: JSON.stringify({
            offset: deadLetter.offset,
            eventId: deadLetter.eventId,
            redrivenAt: new Date().toISOString(),
          }),
          headers: {},
        },
      ]);
    }
  } finally {
    await producer.disconnect();
  }
}
