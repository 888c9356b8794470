/**
 * Entry point of the publisher worker thread: the only place in the process that talks to the
 * broker. It owns one long-lived producer and a small database pool of its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createProducerFromDescriptor, type TransportDescriptor } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import pg from 'pg';
import { pino } from 'pino';
import { DoorbellListener } from './doorbell.js';
import { OutboxRelay } from './outbox-relay.js';
import type { MainToWorker, RelaySettings, WorkerToMain } from './protocol.js';

const { settings, descriptor, doorbell } = workerData as { settings: RelaySettings; descriptor: TransportDescriptor; doorbell: SharedArrayBuffer };
const port = parentPort!;
const post = (message: WorkerToMain) => port.postMessage(message);
const log = pino({ level: settings.logLevel, name: 'outbox-relay', serializers: logSerializers });

const pool = new pg.Pool({
  connectionString: settings.databaseUrl,
  // One session holds the leader lock; one or two more run the batch queries.
  max: 3,
  application_name: 'herald-outbox-relay',
  connectionTimeoutMillis: 5_000,
});
pool.on('error', (error) => log.warn({ err: error }, 'outbox: idle database connection failed'));

const relay = new OutboxRelay({
  pool,
  producer: createProducerFromDescriptor(descriptor, log),
  batchSize: settings.batchSize,
  sweepIntervalMs: settings.sweepIntervalMs,
  lingerMs: settings.lingerMs,
  retryMaxMs: settings.retryMaxMs,
  retentionHours: settings.retentionHours,
  maxMessageBytes: settings.maxMessageBytes,
  log,
  onStatus: (status) => post({ type: 'status', status }),
  doorbell: new DoorbellListener(doorbell),
});

let stopDeadline: number | undefined;
port.on('message', (message: MainToWorker) => {
  if (message.type === 'nudge') relay.nudge();
  if (message.type === 'stop') {
    stopDeadline = Date.now() + message.deadlineMs;
    relay.stop();
  }
});

await relay.run();
await relay.drainAndClose(stopDeadline ?? Date.now());
await pool.end().catch(() => {});
post({ type: 'stopped' });
port.close();
