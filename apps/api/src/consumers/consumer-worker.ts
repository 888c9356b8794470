/**
 * Entry point of the consumer thread: the in-process consumers (notifier, analytics, ...) and, on
 * the embedded defaults, the embedded event log and archive servers run here, so that their work
 * never competes with HTTP requests on the main thread's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTransportFromDescriptor } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import { openNotifierStores } from '@herald/notifier';
import { pino } from 'pino';
import { createPool } from '../db/pool.js';
import { storageNotificationSender } from '../images/storage-notifications.js';
import { consumerModules, type RunningConsumerModule } from './modules.js';
import { startInTurn } from './start-in-turn.js';
import type { ConsumerThreadData, ConsumerThreadToMain, MainToConsumerThread } from './protocol.js';

const STATS_INTERVAL_MS = 1_000;

const { settings, descriptor } = workerData as ConsumerThreadData;
const port = parentPort!;
const post = (message: ConsumerThreadToMain) => port.postMessage(message);
const logDestination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
const log = pino({ level: settings.logLevel, name: 'herald', serializers: logSerializers }, logDestination).child({ component: 'consumers' });

const transport = createTransportFromDescriptor(descriptor, log.child({ component: 'transport' }));
const pool = createPool(settings.databaseUrl, settings.poolMax, 'herald-consumers');
pool.on('error', (error) => log.warn({ err: { message: error.message } }, 'idle database connection failed'));
// The embedded S3 (when S3_ENDPOINT is unset) announces uploads on the broker, as MinIO does.
const storageNotifications = storageNotificationSender(transport, settings.topicPrefix);
const stores = await openNotifierStores(settings.notifierConfig, { mode: 'serve', log: log.child({ component: 'event-log' }), storageNotifications });
post({ type: 'stores', dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint });

const running: RunningConsumerModule[] = [];
const report = () =>
  post({
    type: 'stats',
    consumers: running.map((consumer) => ({ group: consumer.group, stats: consumer.stats() })),
    archive: running.find((consumer) => consumer.archive)?.archive?.(),
  });
const statsTimer = setInterval(report, STATS_INTERVAL_MS);

const START_RETRY_MS = 1_000;
const START_RETRY_MAX_MS = 30_000;
const stopRequested = new AbortController();

let starting: Promise<void> | undefined;
async function start(): Promise<void> {
  const resources = {
    transport,
    pool,
    stores,
    notifierConfig: settings.notifierConfig,
    feeds: settings.feeds,
    media: settings.media,
    topicPrefix: settings.topicPrefix,
    log,
  };
  const all = await startInTurn(
    consumerModules.map((module) => ({ name: module.name, start: () => module.start(resources) })),
    {
      running,
      initialDelayMs: START_RETRY_MS,
      maxDelayMs: START_RETRY_MAX_MS,
      signal: stopRequested.signal,
      onRetry: (consumer, error, retryInMs) => log.warn({ err: error, consumer, retryInMs }, 'consumer could not start yet; retrying'),
    },
  );
  if (!all) return;
  report();
  post({ type: 'started' });
}

async function stop(): Promise<void> {
  stopRequested.abort();
  clearInterval(statsTimer);
  await starting;
  // Each consumer commits what it handled before leaving its group.
  await Promise.allSettled(running.map((consumer) => consumer.stop()));
  report();
  await stores.close().catch((error: unknown) => log.warn({ err: error }, 'closing the event log failed'));
  await storageNotifications.close().catch(() => {});
  await transport.close().catch(() => {});
  await pool.end().catch(() => {});
  logDestination.flushSync();
  post({ type: 'stopped' });
  port.close();
}

port.on('message', (message: MainToConsumerThread) => {
  if (message.type === 'start') starting ??= start();
  if (message.type === 'stop') void stop();
});
