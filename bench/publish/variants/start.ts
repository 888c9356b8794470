import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as loadNotifierConfig } from '@herald/notifier';
import Fastify from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../../../apps/api/src/config.js';
import { benchAuth, signIn } from '../../auth.js';
import type { Publisher } from '../../../apps/api/src/publisher/publisher.js';
import { swapPublisher } from '../swap/publisher-swap.js';
import { startMainThreadPublisher } from './main-thread.js';
import type { VariantName } from './names.js';
import { bundleWorker, startWorkerPerEventPublisher, type WorkerPerEventStats } from './worker-per-event.js';

export interface VariantSettings {
  databaseUrl: string;
  brokers: string;
  topicPrefix: string;
  perEventMaxWorkers: number;
}

export interface RunningVariant {
  url: string;
  /** The `Authorization` header its writes need (the API variants: an admin's access token). */
  authorization?: string;
  /** Publisher counters plus anything variant-specific, read once the backlog has drained. */
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** The environment every API variant shares: Herald's defaults plus this run's database, broker and prefix. */
function environment(settings: VariantSettings, dataDir: string, authEnv: Record<string, string>): Record<string, string> {
  return {
    // Product writes need an admin's token: an admin password of the run's own, and rate limits
    // no load here reaches.
    ...authEnv,
    HOST: '127.0.0.1',
    PORT: '0',
    // Logging off everywhere: every variant pays the same (zero) logging cost.
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    DATABASE_URL: settings.databaseUrl,
    KAFKA_BROKERS: settings.brokers,
    KAFKA_CLIENT_ID: 'herald-bench',
    TOPIC_PREFIX: settings.topicPrefix,
    // With Kafka the notifier and analytics consumers run as processes of their own; inside the
    // API they would add their own work to every variant's numbers.
    IN_PROCESS_CONSUMERS: 'false',
    // The API's embedded event-log stores would otherwise all want the same fixed ports.
    EMBEDDED_DYNAMODB_PORT: '0',
    EMBEDDED_S3_PORT: '0',
    // Stopping happens after the measurement; a long final drain would only make the run longer.
    SHUTDOWN_TIMEOUT_MS: '3000',
  };
}

/**
 * All three API variants run the real `startHerald`; (b) and (c) only swap the publisher it
 * starts (see swap/publisher-swap.ts), so whatever else the application does, all variants do.
 */
async function startApi(variant: Exclude<VariantName, 'ceiling'>, settings: VariantSettings): Promise<RunningVariant> {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-bench-api-'));
  let perEvent: (Publisher & { stats(): WorkerPerEventStats }) | undefined;
  if (variant === 'main-thread') swapPublisher((options) => startMainThreadPublisher(options));
  if (variant === 'worker-per-event') {
    const entry = await bundleWorker(dataDir);
    swapPublisher((options) => (perEvent = startWorkerPerEventPublisher(options, entry, settings.perEventMaxWorkers)));
  }
  // Imported only now: the swap has to be in place before runtime.ts resolves its imports.
  const { startHerald } = await import('../../../apps/api/src/runtime.js');
  const auth = benchAuth();
  const env = environment(settings, dataDir, auth.env);
  const herald = await startHerald(loadConfig(env), loadNotifierConfig(env), pino({ level: 'silent' }));
  return {
    url: herald.url,
    authorization: await signIn(herald.url, auth.adminPassword),
    stats: () => ({ ...herald.publisher.state(), ...perEvent?.stats() }),
    async close() {
      await herald.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startVariant(name: VariantName, settings: VariantSettings): Promise<RunningVariant> {
  if (name !== 'ceiling') return startApi(name, settings);
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, stats: () => ({}), close: () => app.close() };
}
