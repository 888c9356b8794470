/** Messages between the main thread and the publisher worker. */

export interface RelaySettings {
  databaseUrl: string;
  batchSize: number;
  sweepIntervalMs: number;
  lingerMs: number;
  retryMaxMs: number;
  retentionHours: number;
  /** Largest record value the relay will try to send; bigger rows are set aside. */
  maxMessageBytes: number;
  logLevel: string;
}

/** Counters and state the worker reports; totals are since the worker started. */
export interface RelayStatus {
  leader: boolean;
  broker: 'unknown' | 'connected' | 'unreachable';
  backlog: number;
  oldestPendingSeconds: number;
  publishedTotal: number;
  batchesTotal: number;
  sendFailuresTotal: number;
  setAsideTotal: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastPublishedAt: string | null;
}

export type MainToWorker = { type: 'nudge' } | { type: 'stop'; deadlineMs: number };

export type WorkerToMain = { type: 'status'; status: RelayStatus } | { type: 'stopped' };

export const initialRelayStatus = (): RelayStatus => ({
  leader: false,
  broker: 'unknown',
  backlog: 0,
  oldestPendingSeconds: 0,
  publishedTotal: 0,
  batchesTotal: 0,
  sendFailuresTotal: 0,
  setAsideTotal: 0,
  lastError: null,
  lastErrorAt: null,
  lastPublishedAt: null,
});
