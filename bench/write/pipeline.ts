import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * How far Herald's pipeline is behind its writes: outbox rows not yet published, the lag of the
 * notifier and analytics consumer groups (from the API's own `/api/v1/analytics/consumer-lag`),
 * and the analytics inbox (one row per event applied) against the published rows.
 */
export interface PipelineState {
  /** Outbox rows neither published nor set aside. */
  pending: number;
  /**
   * Product events published so far: what analytics applies. Other topics' events (the admin
   * account's UserRegistered, written at start) never reach its inbox.
   */
  published: number;
  /**
   * Summed over the notifier and analytics groups; null when not asked (outbox not empty yet, or
   * no consumer runs).
   */
  lag: number | null;
  /** Events analytics has applied (rows of analytics.processed_events). */
  processed: number;
}

export interface PipelineResult {
  /** Whether the consumers ran and were waited for; without them the drain is the outbox's. */
  consumers: boolean;
  /** From the end of the load until the outbox had no unpublished row; null if it never had. */
  outboxDrainSeconds: number | null;
  /**
   * From the end of the load until analytics had applied every published event; null if it never
   * had, or if no consumer runs.
   */
  analyticsDrainSeconds: number | null;
  /**
   * From the end of the load until the outbox was empty, both consumer groups had lag 0 and
   * analytics had applied every published event (without consumers: until the outbox was empty);
   * null if that did not happen before the timeout.
   */
  drainSeconds: number | null;
  drained: boolean;
  atEnd: PipelineState;
}

const POLL_MS = 25;
const CONSUMER_GROUPS = ['notifier', 'analytics'];

async function outboxState(db: pg.Pool): Promise<{ pending: number; published: number; processed: number }> {
  const { rows } = await db.query<{ pending: number; published: number; processed: number }>(
    `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL)::int AS pending,
            (SELECT count(*) FROM outbox WHERE published_at IS NOT NULL AND topic LIKE '%herald.products')::int AS published,
            (SELECT count(*) FROM analytics.processed_events)::int AS processed`,
  );
  return rows[0]!;
}

async function consumerLag(apiUrl: string): Promise<number> {
  const response = await fetch(`${apiUrl}/api/v1/analytics/consumer-lag`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`consumer-lag answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { groups: Array<{ group: string; lag: number }> };
  // Group ids carry the deployment's topic prefix.
  const groups = CONSUMER_GROUPS.map((name) => body.groups.find((group) => group.group.endsWith(name)));
  if (groups.some((group) => group === undefined)) {
    throw new Error(`consumer-lag should report the groups ${CONSUMER_GROUPS.join(' and ')}; it reported ${JSON.stringify(body.groups.map((g) => g.group))}`);
  }
  return groups.reduce((total, group) => total + group!.lag, 0);
}

export async function pipelineState(db: pg.Pool, apiUrl: string): Promise<PipelineState> {
  const state = await outboxState(db);
  return { ...state, lag: await consumerLag(apiUrl) };
}

/**
 * Polls until the pipeline has caught up with every write or `deadline` (epoch ms) passes.
 * Times are measured from `loadEnd` (epoch ms). The consumer lag is asked for only once the
 * outbox is empty, so the polling costs the API next to nothing while the backlog drains.
 * With `consumers` false (no consumer group runs), the outbox emptied is the end: neither
 * analytics nor the consumer lag is waited for.
 */
export async function waitForPipeline(
  db: pg.Pool,
  apiUrl: string,
  loadEnd: number,
  deadline: number,
  consumers = true,
): Promise<PipelineResult> {
  let outboxEmptySince: number | undefined;
  let analyticsDoneSince: number | undefined;
  const since = (at: number | undefined) => (at === undefined ? null : Math.max(0, (at - loadEnd) / 1000));
  for (;;) {
    const state: PipelineState = { ...(await outboxState(db)), lag: null };
    const now = Date.now();
    if (state.pending > 0) outboxEmptySince = undefined;
    else outboxEmptySince ??= now;
    if (!consumers) {
      if (state.pending === 0 || now >= deadline) {
        const outboxDrainSeconds = since(outboxEmptySince);
        return {
          consumers,
          outboxDrainSeconds,
          analyticsDrainSeconds: null,
          drainSeconds: outboxDrainSeconds,
          drained: state.pending === 0,
          atEnd: state,
        };
      }
      await sleep(POLL_MS);
      continue;
    }
    if (state.pending > 0 || state.processed < state.published) analyticsDoneSince = undefined;
    else analyticsDoneSince ??= now;
    if (state.pending === 0 && state.processed >= state.published) {
      state.lag = await consumerLag(apiUrl);
      // The inbox count can reach the published count while a notifier commit is still due.
      if (state.lag === 0) {
        return {
          consumers,
          outboxDrainSeconds: since(outboxEmptySince),
          analyticsDrainSeconds: since(analyticsDoneSince),
          drainSeconds: since(Date.now()),
          drained: true,
          atEnd: state,
        };
      }
    }
    if (now >= deadline) {
      state.lag ??= await consumerLag(apiUrl).catch(() => null);
      return {
        consumers,
        outboxDrainSeconds: since(outboxEmptySince),
        analyticsDrainSeconds: since(analyticsDoneSince),
        drainSeconds: null,
        drained: false,
        atEnd: state,
      };
    }
    await sleep(POLL_MS);
  }
}
