import { createProducerFromDescriptor } from '@herald/event-transport';
import pg from 'pg';
import { OutboxRelay } from '../../../apps/api/src/publisher/outbox-relay.js';
import type { Publisher, PublisherOptions } from '../../../apps/api/src/publisher/publisher.js';

const quietLog = { info() {}, warn() {}, error() {} };

/**
 * Variant (c): the very `OutboxRelay`, settings and long-lived producer Herald runs on its
 * worker, but on the main thread. Batching is identical; the only difference is where the work
 * runs: schema checks, serialization and kafkajs's protocol work share the event loop with HTTP.
 */
export function startMainThreadPublisher(options: PublisherOptions): Publisher {
  const { settings } = options;
  // Same size and role as the worker's own pool (relay-worker.ts): one leader session plus batch queries.
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 3, application_name: 'herald-outbox-relay' });
  pool.on('error', () => {});
  const relay = new OutboxRelay({
    pool,
    producer: createProducerFromDescriptor(options.describeTransport().descriptor),
    batchSize: settings.batchSize,
    sweepIntervalMs: settings.sweepIntervalMs,
    lingerMs: settings.lingerMs,
    retryMaxMs: settings.retryMaxMs,
    retentionHours: settings.retentionHours,
    maxMessageBytes: settings.maxMessageBytes,
    log: quietLog,
  });
  const running = relay.run();

  return {
    nudge: () => relay.nudge(),
    state: () => ({ ...relay.status, worker: 'running', workerRestarts: 0 }),
    async stop(timeoutMs) {
      relay.stop();
      await running;
      await relay.drainAndClose(Date.now() + timeoutMs);
      await pool.end().catch(() => {});
    },
  };
}
