import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventLog, LoggedEvent } from '@herald/event-log';
import type { TransportLogger } from '@herald/event-transport';
import type * as Minio from 'minio';
import { createArchiveStore, eventHour, HOUR_MS, hourPrefix, type ArchiveStore } from './archive-store.js';

export interface ArchiverOptions {
  eventLog: EventLog;
  s3: Minio.Client;
  bucket: string;
  /** Events logged longer ago than this are moved to the archive. */
  retentionSeconds: number;
  /** Events read from the log per page; each page becomes at most one object per event-time hour. Default 1000. */
  batchSize?: number;
  /**
   * Only one archiver runs at a time across notifier instances (a lease in the event log table).
   * A run renews it after every object; past this without renewal another instance may take over.
   * Default 120 000 ms.
   */
  leaseMs?: number;
  log?: TransportLogger;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface ArchiveRunResult {
  /** False when another instance held the lease, so this run did nothing. */
  ran: boolean;
  /** Events logged before this were archived (now − retention). */
  cutoff: Date;
  /** Events written to new objects. */
  archived: number;
  /** Events found already in the archive (a crashed run stored them) and only removed from the log. */
  alreadyArchived: number;
  /** Objects written. */
  objects: string[];
}

/** What the archiver did since it was created, for metrics. */
export interface ArchiverStats {
  /** Passes started, whatever came of them. */
  runs: number;
  /** Passes that did nothing because another instance held the lease. */
  runsSkipped: number;
  /** Passes that failed (their events stay in the log until a later pass). */
  runsFailed: number;
  eventsArchived: number;
  eventsAlreadyArchived: number;
  objectsWritten: number;
  /** When the last pass ended; null before the first. */
  lastRunAt: Date | null;
  /** Why the last pass failed; null when it succeeded or was skipped. */
  lastError: string | null;
}

export interface Archiver {
  stats(): ArchiverStats;
  /** One pass: archive and remove everything logged before now − retention. */
  runOnce(): Promise<ArchiveRunResult>;
  /** Runs a pass now and then every `intervalMs`; a failed pass is logged and retried at the next tick. */
  start(intervalMs: number): void;
  /** Stops the loop and waits for a pass in progress. */
  stop(): Promise<void>;
}

const LEASE_NAME = 'archiver';
const noop = () => {};
const silent: TransportLogger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Moves events out of the event log into object storage once they leave the recent window.
 *
 * Crash safety (a run killed at any point and run again neither loses nor duplicates an event
 * across the log and the archive):
 * - an event leaves the log only after the object holding it is durable (put resolved, stat
 *   confirms the size), so a kill can only leave an event in both places, never in neither;
 * - an event's object lives under the folder of its event-time hour, a function of the event
 *   alone, so before writing, a run reads the ids already stored in that folder: an event found
 *   there (written by a run that died before removing it from the log) is only removed, not
 *   written again;
 * - object names are a function of their content (hash of the sorted ids), so a retried put of
 *   the same set rewrites the same object rather than adding a second.
 * A lease keeps two notifier instances from archiving the same events at the same time.
 */
export function createArchiver(options: ArchiverOptions): Archiver {
  const { eventLog, retentionSeconds } = options;
  const log = options.log ?? silent;
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 1000;
  const leaseMs = options.leaseMs ?? 120_000;
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const store: ArchiveStore = createArchiveStore(options.s3, options.bucket);

  /** Start of the log hours still worth reading: everything older was removed by a completed run. */
  let since: Date | undefined;
  let inFlight: Promise<ArchiveRunResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function archivePass(): Promise<ArchiveRunResult> {
    const cutoff = new Date(now().getTime() - retentionSeconds * 1000);
    const result: ArchiveRunResult = { ran: false, cutoff, archived: 0, alreadyArchived: 0, objects: [] };
    if (!(await eventLog.acquireLease(LEASE_NAME, holder, leaseMs))) {
      log.debug({ lease: LEASE_NAME }, 'archiver: another instance holds the lease; skipping this pass');
      return result;
    }
    result.ran = true;
    // Ids already in the archive, per event-time hour, read once per pass.
    const archivedIds = new Map<number, Set<string>>();
    const idsInHour = async (hour: number): Promise<Set<string>> => {
      let ids = archivedIds.get(hour);
      if (!ids) {
        ids = new Set();
        for (const name of await store.listHour(hour)) {
          for (const event of await store.read(name)) ids.add(event.id);
        }
        archivedIds.set(hour, ids);
      }
      return ids;
    };

    try {
      for await (const page of eventLog.olderThan(cutoff, { ...(since ? { since } : {}), pageSize: batchSize })) {
        const byHour = new Map<number, LoggedEvent[]>();
        for (const item of page) {
          const hour = eventHour(item.event);
          byHour.set(hour, [...(byHour.get(hour) ?? []), item]);
        }
        for (const [hour, items] of [...byHour].sort(([a], [b]) => a - b)) {
          const known = await idsInHour(hour);
          const fresh = items.filter((item) => !known.has(item.event.id)).map((item) => item.event);
          if (fresh.length > 0) {
            const name = await store.write(hour, fresh);
            for (const event of fresh) known.add(event.id);
            result.objects.push(name);
            result.archived += fresh.length;
            log.debug({ object: name, events: fresh.length }, 'archiver: object stored');
          }
          result.alreadyArchived += items.length - fresh.length;
          // Only now, with every one of these events durable in the archive.
          await eventLog.remove(items.map((item) => item.event.id));
          if (!(await eventLog.acquireLease(LEASE_NAME, holder, leaseMs))) {
            throw new Error(`archiver lost its lease during the pass (after ${hourPrefix(hour)}); stopping it`);
          }
        }
      }
      // Everything logged before the cutoff is gone; the next pass reads from an hour before it
      // (instances' clocks may differ a little).
      since = new Date(cutoff.getTime() - HOUR_MS);
    } finally {
      await eventLog.releaseLease(LEASE_NAME, holder).catch(noop);
    }
    if (result.archived > 0 || result.alreadyArchived > 0) {
      log.info(
        { archived: result.archived, alreadyArchived: result.alreadyArchived, objects: result.objects.length, cutoff },
        'archiver: events moved to the archive',
      );
    }
    return result;
  }

  const stats: ArchiverStats = {
    runs: 0,
    runsSkipped: 0,
    runsFailed: 0,
    eventsArchived: 0,
    eventsAlreadyArchived: 0,
    objectsWritten: 0,
    lastRunAt: null,
    lastError: null,
  };
  const counted = async (): Promise<ArchiveRunResult> => {
    stats.runs += 1;
    try {
      const result = await archivePass();
      if (!result.ran) stats.runsSkipped += 1;
      stats.eventsArchived += result.archived;
      stats.eventsAlreadyArchived += result.alreadyArchived;
      stats.objectsWritten += result.objects.length;
      stats.lastError = null;
      return result;
    } catch (error) {
      stats.runsFailed += 1;
      stats.lastError = (error as Error)?.message ?? String(error);
      throw error;
    } finally {
      stats.lastRunAt = now();
    }
  };

  const runOnce = (): Promise<ArchiveRunResult> => {
    // One pass at a time in this process; a second caller waits for the same pass.
    inFlight ??= counted().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const tick = async (intervalMs: number): Promise<void> => {
    try {
      await runOnce();
    } catch (error) {
      log.warn({ err: error }, 'archiver: pass failed; events stay in the log until the next pass');
    }
    if (!stopped) timer = setTimeout(() => void tick(intervalMs), intervalMs);
  };

  return {
    runOnce,
    stats: () => ({ ...stats }),
    start(intervalMs) {
      if (timer || stopped) return;
      timer = setTimeout(() => void tick(intervalMs), 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight?.catch(noop);
    },
  };
}
