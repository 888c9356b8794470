import type { DeliveredRecord, OutgoingMessage } from '@herald/event-transport';
import { DEAD_LETTER_HEADERS, type DeadLetter } from './types.js';

/**
 * Names and record layout of dead letters. A dead letter is the original record (key, value,
 * headers) copied to the consumer's dead-letter topic with DEAD_LETTER_HEADERS added, so it can
 * be inspected and re-driven as it was received.
 */

/** The dead-letter topic of consumer `name`: one partition, so its offsets order it. */
export function deadLetterTopic(name: string, prefix = ''): string {
  return `${prefix}herald.dead-letters.${name}`;
}

/** The group whose committed offset on the dead-letter topic marks what was re-driven in order. */
export function redriveGroup(name: string, prefix = ''): string {
  return `${prefix}herald.redrive.${name}`;
}

/**
 * Offsets of dead letters re-driven ahead of the re-drive group's committed offset (a selective
 * re-drive that had to leave an earlier dead letter in place). One record per dead letter, keyed
 * by its offset. One partition.
 */
export function redriveLogTopic(name: string, prefix = ''): string {
  return `${prefix}herald.redriven.${name}`;
}

/** A throwaway group for reading a topic once from the beginning. */
export function readerGroup(name: string, prefix: string, id: string): string {
  return `${prefix}herald.dead-letters-reader.${name}.${id}`;
}

// Reasons are error messages and validation reports; bound them so a huge message (a stack
// dumped into `message`, thousands of schema issues) cannot make the dead letter too large.
const MAX_REASON_LENGTH = 4000;

export interface DeadLetterFailure {
  reason: string;
  group: string;
  /** Tries of the handler; 0 when the record never reached it (invalid). */
  attempts: number;
}

export function deadLetterMessage(topic: string, record: DeliveredRecord, failure: DeadLetterFailure): OutgoingMessage {
  const reason =
    failure.reason.length > MAX_REASON_LENGTH ? `${failure.reason.slice(0, MAX_REASON_LENGTH - 1)}…` : failure.reason;
  return {
    topic,
    // The transport contract wants a string key; with one partition the key does not place it.
    key: record.key ?? '',
    value: record.value,
    headers: {
      ...record.headers,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.group]: failure.group,
      [DEAD_LETTER_HEADERS.attempts]: String(failure.attempts),
      [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
      [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
    },
  };
}

const deadLetterHeaderNames = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/** Reads the id and type of whatever JSON object the value holds, valid event or not. */
function peekEvent(value: string): { eventId: string | null; eventType: string | null } {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return { eventId: null, eventType: null };
    const { id, type } = parsed as { id?: unknown; type?: unknown };
    return { eventId: typeof id === 'string' ? id : null, eventType: typeof type === 'string' ? type : null };
  } catch {
    return { eventId: null, eventType: null };
  }
}

export function toDeadLetter(record: DeliveredRecord, redriven: boolean): DeadLetter {
  const headers = record.headers;
  const attempts = Number(headers[DEAD_LETTER_HEADERS.attempts]);
  const sourcePartition = Number(headers[DEAD_LETTER_HEADERS.sourcePartition]);
  return {
    offset: record.offset,
    ...peekEvent(record.value),
    reason: headers[DEAD_LETTER_HEADERS.reason] ?? '',
    attempts: Number.isInteger(attempts) ? attempts : 0,
    deadLetteredAt: headers[DEAD_LETTER_HEADERS.at] ?? new Date(record.timestamp).toISOString(),
    source: {
      topic: headers[DEAD_LETTER_HEADERS.sourceTopic] ?? '',
      partition: Number.isInteger(sourcePartition) ? sourcePartition : -1,
      offset: headers[DEAD_LETTER_HEADERS.sourceOffset] ?? '',
    },
    value: record.value,
    key: record.key === null || record.key === '' ? null : record.key,
    headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !deadLetterHeaderNames.has(name))),
    redriven,
  };
}
