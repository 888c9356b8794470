/**
 * `npm start`: the whole system on embedded defaults unless DATABASE_URL / KAFKA_BROKERS say
 * otherwise. SIGINT/SIGTERM stop taking requests, drain those in flight, flush the publisher, exit.
 */
import closeWithGrace from 'close-with-grace';
import { logSerializers } from '@herald/logging';
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startHerald, type Herald } from './runtime.js';
import { isNotifierError, loadConfig as loadNotifierConfig, type NotifierConfig } from '@herald/notifier';

let config: Config;
let notifierConfig: NotifierConfig;
try {
  config = loadConfig(process.env);
  // The event log and archive settings (DYNAMODB_*, S3_*, EVENT_LOG_*, ARCHIVE_*) are the notifier's.
  notifierConfig = loadNotifierConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError) && !isNotifierError(error)) throw error;
  process.stderr.write(`herald: ${(error as Error).message}\n`);
  process.exit(78); // EX_CONFIG
}

// Log lines are buffered and written asynchronously: a synchronous write per line would stall the
// event loop that serves requests. The buffer is flushed when the process stops.
const logDestination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
const logger = pino({ level: config.logLevel, name: 'herald', serializers: logSerializers }, logDestination);
const flushLogs = () => {
  try {
    logDestination.flushSync();
  } catch {
    // Nothing left to flush, or stdout is gone.
  }
};
process.on('exit', flushLogs);

// Signals are handled from the first moment: a Ctrl-C during start-up still stops what was started.
// Registered before anything starts, so that no library's own exit hooks can be mistaken for it.
let starting: Promise<Herald> | undefined;

/**
 * How to sign in as the admin. A password this instance generated is shown (it is in the data
 * folder anyway, readable by its owner only); one given in HERALD_ADMIN_PASSWORD never is.
 */
function adminLines(admin: Herald['admin']): string[] {
  if (!admin) return ['  Admin           none managed (HERALD_ADMIN_PASSWORD is not set)'];
  if (admin.source === 'HERALD_ADMIN_PASSWORD') return ['  Admin           handle admin, password from HERALD_ADMIN_PASSWORD'];
  return [`  Admin           handle admin, password ${admin.password}`, `                  (kept in ${admin.file}, mode 0600)`];
}
closeWithGrace({ delay: config.shutdownTimeoutMs + 5_000, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  const herald = await starting?.catch(() => undefined);
  await herald?.close();
  logger.info('stopped');
});
starting = startHerald(config, notifierConfig, logger);

try {
  const herald = await starting;
  const base = herald.url.replace('0.0.0.0', 'localhost').replace('127.0.0.1', 'localhost');
  logger.info(
    {
      api: `${base}/api/v1/products`,
      docs: `${base}/docs`,
      asyncapi: `${base}/asyncapi.json`,
      metrics: `${base}/metrics`,
      transport: herald.transport.kind,
      database: config.databaseUrl ? 'DATABASE_URL' : `embedded (${config.dataDir})`,
    },
    'Herald is up',
  );
  process.stdout.write(
    [
      '',
      `  Dashboard       ${base}/`,
      `  Herald API      ${base}/api/v1/products`,
      `  API docs        ${base}/docs`,
      `  Event contract  ${base}/asyncapi.json`,
      `  Metrics         ${base}/metrics`,
      `  Transport       ${herald.transport.kind}${config.kafkaBrokers ? ` (${config.kafkaBrokers.join(',')})` : ''}`,
      `  Image uploads   ${config.media.publicEndpoint ?? herald.media.endpoint}/${herald.media.bucket} (clients upload here directly)`,
      ...adminLines(herald.admin),
      '  Ctrl-C stops it.',
      '',
    ].join('\n') + '\n',
  );
} catch (error) {
  logger.fatal({ err: error, reason: String(error) }, 'Herald failed to start');
  process.exit(1);
}
