/**
 * How events map onto DynamoDB keys. Everything that sorts is a fixed-width string, so string
 * order in a sort key is time order:
 *
 * - table key `id`: the event id (a conditional put on it makes appends idempotent);
 * - `by-log`:  pk `log_bucket` = hour the event was logged (`2025-01-31T14`),
 *              sk `log_sk`     = `<logged-at epoch ms, 15 digits>#<id>` (log order);
 * - `by-type`: pk `event_type`, sk `time_sk` = `<event time, ISO UTC>#<id>`;
 * - `by-time`: pk `time_bucket` = hour of the event time, sk `time_sk` (replay of all types).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HeraldEvent } from '@herald/event-schemas';

export const INDEX = {
  byLog: 'by-log',
  byType: 'by-type',
  byTime: 'by-time',
} as const;

/** Attribute names (`type` and `time` are DynamoDB reserved words, hence the prefixes). */
export const ATTR = {
  id: 'id',
  eventJson: 'event_json',
  eventType: 'event_type',
  eventTime: 'event_time',
  subject: 'subject',
  loggedAt: 'logged_at',
  logBucket: 'log_bucket',
  logSk: 'log_sk',
  timeBucket: 'time_bucket',
  timeSk: 'time_sk',
  expiresAt: 'expires_at',
} as const;

export const HOUR_MS = 3_600_000;

/** `2025-01-31T14`: the UTC hour a timestamp falls in. */
export function hourBucket(ms: number): string {
  return new Date(floorHour(ms)).toISOString().slice(0, 13);
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Every hour bucket from the one holding `fromMs` to the one holding `toMs`, inclusive. */
export function* hourBuckets(fromMs: number, toMs: number): Generator<string> {
  for (let hour = floorHour(fromMs); hour <= toMs; hour += HOUR_MS) yield hourBucket(hour);
}

export function padMs(ms: number): string {
  return String(ms).padStart(15, '0');
}

/** Event time as a fixed-width ISO string (RFC 3339 times may carry offsets or other precisions). */
export function normalizedTime(event: Pick<HeraldEvent, 'time'>): string {
  const ms = Date.parse(event.time);
  if (Number.isNaN(ms)) throw new TypeError(`event time ${JSON.stringify(event.time)} is not a date`);
  return new Date(ms).toISOString();
}

export function toItem(
  event: HeraldEvent,
  loggedAt: Date,
  ttlSeconds: number,
): Record<string, AttributeValue> {
  const loggedMs = loggedAt.getTime();
  const time = normalizedTime(event);
  return {
    [ATTR.id]: { S: event.id },
    [ATTR.eventJson]: { S: JSON.stringify(event) },
    [ATTR.eventType]: { S: event.type },
    [ATTR.eventTime]: { S: time },
    [ATTR.subject]: { S: event.subject },
    [ATTR.loggedAt]: { N: String(loggedMs) },
    [ATTR.logBucket]: { S: hourBucket(loggedMs) },
    [ATTR.logSk]: { S: `${padMs(loggedMs)}#${event.id}` },
    [ATTR.timeBucket]: { S: hourBucket(Date.parse(time)) },
    [ATTR.timeSk]: { S: `${time}#${event.id}` },
    [ATTR.expiresAt]: { N: String(Math.ceil(loggedMs / 1000) + ttlSeconds) },
  };
}

/** An event as the log holds it. */
export interface LoggedEvent {
  event: HeraldEvent;
  /** When the notifier logged it (log order). */
  loggedAt: Date;
}

export function fromItem(item: Record<string, AttributeValue>): LoggedEvent {
  const json = item[ATTR.eventJson]?.S;
  const loggedAt = item[ATTR.loggedAt]?.N;
  if (json === undefined || loggedAt === undefined) {
    throw new TypeError(`event log item ${item[ATTR.id]?.S ?? '?'} lacks ${ATTR.eventJson} or ${ATTR.loggedAt}`);
  }
  return { event: JSON.parse(json) as HeraldEvent, loggedAt: new Date(Number(loggedAt)) };
}

/** Event-time order: (time, id). UUIDv7 ids break ties in creation order. */
export function compareEvents(a: HeraldEvent, b: HeraldEvent): number {
  const dt = Date.parse(a.time) - Date.parse(b.time);
  if (dt !== 0) return dt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
