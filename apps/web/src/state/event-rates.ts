/**
 * Events per minute by type for the chart: a snapshot from GET /api/v1/analytics/events, plus
 * the live events that happened after it. Refetching replaces the snapshot, which corrects any
 * drift (the analytics consumer is the source of truth; the live part is an estimate until then).
 */
import type { EventRates, HeraldEvent } from '../api/types.js';

const MINUTE_MS = 60_000;

export interface RateWindow {
  /** Width of the chart in minutes. */
  minutes: number;
  /** Live events at or before this instant (ms) are already in the snapshot. */
  countedUntil: number;
  /** Minute start (ms) -> event type -> count. */
  buckets: ReadonlyMap<number, ReadonlyMap<string, number>>;
}

export interface RateBucket {
  /** Minute start, ms since the epoch. */
  minute: number;
  counts: Record<string, number>;
  total: number;
}

export function minuteOf(timeMs: number): number {
  return Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
}

export function emptyRates(minutes: number, countedUntil: number): RateWindow {
  return { minutes, countedUntil, buckets: new Map() };
}

export function ratesFromSnapshot(snapshot: EventRates, minutes: number): RateWindow {
  const buckets = new Map<number, Map<string, number>>();
  for (const point of snapshot.series) {
    const minute = minuteOf(Date.parse(point.minute));
    if (Number.isNaN(minute)) continue;
    const bucket = buckets.get(minute) ?? new Map<string, number>();
    bucket.set(point.type, (bucket.get(point.type) ?? 0) + point.count);
    buckets.set(minute, bucket);
  }
  const to = Date.parse(snapshot.to);
  return { minutes, countedUntil: Number.isNaN(to) ? 0 : to, buckets };
}

/** The window with live events added (those after the snapshot), oldest minutes pruned. */
export function addLiveEvents(rates: RateWindow, events: readonly HeraldEvent[]): RateWindow {
  const buckets = new Map(rates.buckets);
  const touched = new Map<number, Map<string, number>>();
  let latest = 0;
  for (const event of events) {
    const time = Date.parse(event.time);
    if (Number.isNaN(time) || time <= rates.countedUntil) continue;
    latest = Math.max(latest, time);
    const minute = minuteOf(time);
    let bucket = touched.get(minute);
    if (!bucket) {
      bucket = new Map(buckets.get(minute));
      touched.set(minute, bucket);
      buckets.set(minute, bucket);
    }
    bucket.set(event.type, (bucket.get(event.type) ?? 0) + 1);
  }
  if (touched.size === 0) return rates;
  const oldestKept = minuteOf(latest) - (rates.minutes - 1) * MINUTE_MS;
  for (const minute of buckets.keys()) if (minute < oldestKept) buckets.delete(minute);
  return { ...rates, buckets };
}

/** One bucket per minute of the window ending with the minute of `nowMs`, empty minutes included. */
export function chartBuckets(rates: RateWindow, nowMs: number): RateBucket[] {
  const last = minuteOf(nowMs);
  const result: RateBucket[] = [];
  for (let i = rates.minutes - 1; i >= 0; i--) {
    const minute = last - i * MINUTE_MS;
    const counts: Record<string, number> = {};
    let total = 0;
    for (const [type, count] of rates.buckets.get(minute) ?? []) {
      counts[type] = count;
      total += count;
    }
    result.push({ minute, counts, total });
  }
  return result;
}
