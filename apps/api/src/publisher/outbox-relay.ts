import { CLOUDEVENTS_STRUCTURED_CONTENT_TYPE, parseEvent } from '@herald/event-schemas';
import type { EventProducer, OutgoingMessage } from '@herald/event-transport';
import type pg from 'pg';
import type { DoorbellListener } from './doorbell.js';
import { initialRelayStatus, type RelayStatus } from './protocol.js';

/**
 * Only one relay in the whole deployment publishes at a time, whichever holds this advisory lock,
 * so that per-key order holds across API instances. The others stand by and take over when the
 * holder's session ends.
 */
export const RELAY_LOCK_KEY = 0x6865_7261; // "hera"

const CLEANUP_INTERVAL_MS = 60_000;
const CLEANUP_BATCH = 5_000;
const INITIAL_BACKOFF_MS = 100;
/** The backlog is counted at most this often: under load a count per batch would be pure overhead. */
const BACKLOG_REFRESH_MS = 1_000;

interface OutboxRow {
  position: string;
  event_id: string;
  topic: string;
  message_key: string;
  payload: string;
}

export interface RelayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  producer: EventProducer;
  batchSize: number;
  sweepIntervalMs: number;
  /**
   * After a nudge, wait this long before reading the outbox so that commits arriving together
   * leave in one batch (Kafka's linger.ms, applied to the outbox). 0 sends at once.
   */
  lingerMs: number;
  retryMaxMs: number;
  retentionHours: number;
  maxMessageBytes: number;
  log: RelayLogger;
  onStatus?: (status: RelayStatus) => void;
  /**
   * Commits announced through shared memory (doorbell.ts): the relay clears it before each read
   * and checks it before each wait. Without it, only `nudge()` and the sweep timer wake the relay.
   */
  doorbell?: Pick<DoorbellListener, 'answer' | 'goingToSleep' | 'awake'>;
}

/**
 * Moves committed outbox rows to the broker: oldest first, in batches, marking rows published only
 * after the broker acknowledged them. A failed send is retried, whole, with exponential backoff;
 * rows are never skipped for a transient failure, so a broker outage delays events but never
 * loses them. Rows that can never be sent (invalid against their schema, or too large) are set
 * aside with the reason.
 */
export class OutboxRelay {
  readonly status: RelayStatus = initialRelayStatus();
  private stopping = false;
  private wake: (() => void) | undefined;
  private nudged = false;
  private leaderClient: pg.PoolClient | undefined;
  private connected = false;
  private failures = 0;
  private lastCleanup = 0;
  private lastBacklogRefresh = 0;
  private readonly options: OutboxRelayOptions;

  constructor(options: OutboxRelayOptions) {
    this.options = options;
  }

  /** New rows were committed: publish now instead of at the next sweep. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Publishes until `stop()`: on nudges, every sweep interval, and after backoffs when sends fail. */
  async run(): Promise<void> {
    while (!this.stopping) {
      let backoffMs = 0;
      let drained = true;
      try {
        if (await this.ensureLeadership()) {
          await this.ensureConnected();
          drained = await this.publishBatch();
          await this.cleanupIfDue();
        }
        this.failures = 0;
      } catch (error) {
        backoffMs = this.recordFailure(error);
      }
      if (Date.now() - this.lastBacklogRefresh >= BACKLOG_REFRESH_MS) {
        this.lastBacklogRefresh = Date.now();
        await this.refreshBacklog().catch(() => {});
      }
      this.report();
      if (backoffMs > 0) await this.sleep(backoffMs, false);
      else if (drained) {
        const { doorbell } = this.options;
        if (!doorbell || doorbell.goingToSleep()) {
          await this.sleep(this.options.sweepIntervalMs, true);
          doorbell?.awake();
        } else {
          this.nudged = true; // rung since the last read: read again instead of waiting
        }
        if (this.nudged && this.options.lingerMs > 0) await this.sleep(this.options.lingerMs, false);
      }
    }
  }

  /** Ends `run()` after the batch in flight; follow with `drainAndClose`. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** Publishes what is pending until nothing is left or `deadline` passes, then lets go of everything. */
  async drainAndClose(deadline: number): Promise<void> {
    try {
      if (this.leaderClient) {
        while (Date.now() < deadline) {
          const drained = await this.publishBatch();
          if (drained) break;
        }
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'outbox: final drain stopped; the rest is published after restart');
    }
    await this.refreshBacklog().catch(() => {});
    this.report();
    await this.options.producer.disconnect().catch(() => {});
    this.releaseLeadership();
  }

  private async ensureLeadership(): Promise<boolean> {
    if (this.leaderClient) return true;
    const client = await this.options.pool.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK_KEY]);
    if (!rows[0]?.locked) {
      client.release();
      this.status.leader = false;
      return false;
    }
    // The lock lives as long as this session: if the connection dies, another relay takes over.
    client.on('error', (error) => {
      this.options.log.warn({ err: error }, 'outbox: lost the leader connection');
      this.releaseLeadership(error);
    });
    this.leaderClient = client;
    this.status.leader = true;
    this.options.log.info({}, 'outbox: this relay is now the publisher');
    return true;
  }

  private releaseLeadership(error?: Error): void {
    const client = this.leaderClient;
    this.leaderClient = undefined;
    this.status.leader = false;
    // Destroying the session (rather than returning it to the pool) is what releases the lock.
    client?.release(error ?? true);
  }

  private async ensureConnected(): Promise<void> {
    if (this.connected) return;
    await this.options.producer.connect();
    this.connected = true;
  }

  /** Sends one batch. Returns true when the outbox had no more than one batch pending. */
  private async publishBatch(): Promise<boolean> {
    const { pool, batchSize, maxMessageBytes } = this.options;
    this.nudged = false;
    this.options.doorbell?.answer();
    const { rows } = await pool.query<OutboxRow>({
      name: 'outbox-pending',
      text: `SELECT position, event_id, topic, message_key, payload::text AS payload
       FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL
       ORDER BY position LIMIT $1`,
      values: [batchSize],
    });
    if (rows.length === 0) return true;

    const sendable: OutboxRow[] = [];
    for (const row of rows) {
      const reason = Buffer.byteLength(row.payload) > maxMessageBytes
        ? `record of ${Buffer.byteLength(row.payload)} bytes exceeds ${maxMessageBytes}`
        : this.schemaProblem(row.payload);
      if (reason) await this.setAside(row, reason);
      else sendable.push(row);
    }

    if (sendable.length > 0) {
      const positions = sendable.map((row) => row.position);
      try {
        await this.options.producer.send(sendable.map(toMessage));
      } catch (error) {
        await pool
          .query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE position = ANY($1::bigint[])', [
            positions,
            String((error as Error).message ?? error).slice(0, 2000),
          ])
          .catch(() => {});
        throw error;
      }
      await pool.query({
        name: 'outbox-mark-published',
        text: 'UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE position = ANY($1::bigint[])',
        values: [positions],
      });
      this.status.publishedTotal += sendable.length;
      this.status.batchesTotal += 1;
      this.status.lastPublishedAt = new Date().toISOString();
      this.status.broker = 'connected';
    }
    return rows.length < batchSize;
  }

  private schemaProblem(payload: string): string | undefined {
    const result = parseEvent(payload);
    if (result.valid) return undefined;
    return `event fails its schema: ${result.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`;
  }

  private async setAside(row: OutboxRow, reason: string): Promise<void> {
    await this.options.pool.query('UPDATE outbox SET set_aside_at = now(), last_error = $2 WHERE position = $1', [
      row.position,
      reason,
    ]);
    this.status.setAsideTotal += 1;
    this.options.log.error({ eventId: row.event_id, reason }, 'outbox: event set aside, it will not be published');
  }

  private async cleanupIfDue(): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.lastCleanup = Date.now();
    await this.options.pool.query(
      `DELETE FROM outbox WHERE position IN (
         SELECT position FROM outbox
         WHERE published_at < now() - make_interval(secs => $1)
         LIMIT $2)`,
      [this.options.retentionHours * 3600, CLEANUP_BATCH],
    );
  }

  private async refreshBacklog(): Promise<void> {
    const { rows } = await this.options.pool.query<{ backlog: number; oldest: number | null }>(
      `SELECT count(*)::int AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL`,
    );
    this.status.backlog = rows[0]?.backlog ?? 0;
    this.status.oldestPendingSeconds = rows[0]?.oldest ?? 0;
  }

  private recordFailure(error: unknown): number {
    this.failures += 1;
    this.connected = false;
    this.status.sendFailuresTotal += 1;
    this.status.broker = 'unreachable';
    this.status.lastError = String((error as Error)?.message ?? error);
    this.status.lastErrorAt = new Date().toISOString();
    const ceiling = Math.min(this.options.retryMaxMs, INITIAL_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 20));
    // Full jitter keeps many instances from retrying in lockstep after a shared outage.
    const backoffMs = Math.max(INITIAL_BACKOFF_MS, Math.round(Math.random() * ceiling));
    const log = this.failures === 1 || this.failures % 10 === 0 ? this.options.log.warn : this.options.log.info;
    log.call(this.options.log, { err: error, attempt: this.failures, retryInMs: backoffMs }, 'outbox: publish failed, will retry');
    return backoffMs;
  }

  private report(): void {
    this.options.onStatus?.({ ...this.status });
  }

  /** Waits `ms`; a nudge cuts the wait short only when `wakeOnNudge` (not during a backoff). */
  private sleep(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (this.stopping || (wakeOnNudge && this.nudged)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = () => {
        if (this.stopping || wakeOnNudge) finish();
      };
    });
  }
}

function toMessage(row: OutboxRow): OutgoingMessage {
  return {
    topic: row.topic,
    key: row.message_key,
    value: row.payload,
    headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE },
  };
}
