import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { EVENT_LOG_ERROR_CODES, EventLogError } from '@herald/event-log';
import { eventTypes, isEventType } from '@herald/event-schemas';
import { createKafkaTransport } from '@herald/event-transport';
import { logSerializers } from '@herald/logging';
import { pino } from 'pino';
import { ensureBucket } from '../archive/s3.js';
import { loadConfig } from '../config.js';
import { NOTIFIER_ERROR_CODES, NotifierError, isNotifierError } from '../errors.js';
import { openNotifierStores } from '../stores.js';
import { publishEvents } from './publish.js';
import { replayEvents } from './replay-events.js';

export const REPLAY_USAGE = `Usage: npm run replay -- --from <ISO time> --to <ISO time> [--type <EventType>] [--publish <topic>]

Reads the events whose time is in [from, to) from the archive (S3) and the recent event log
(DynamoDB), each once, in (time, id) order. Prints them as NDJSON on stdout, or with --publish
republishes them to the given Kafka topic (needs KAFKA_BROKERS).

  --from     start of the range, inclusive (e.g. 2025-03-01T10:00:00Z)
  --to       end of the range, exclusive
  --type     only events of this type (${eventTypes.join(', ')})
  --publish  topic to republish to instead of printing (created when missing)
`;

const FOLDER_IN_USE_HINT =
  'replay: a running Herald records where it serves its embedded stores in DATA_DIR; this one did not ' +
  '(or it is not answering). Run the replay with the DATA_DIR and the EMBEDDED_DYNAMODB_PORT and ' +
  'EMBEDDED_S3_PORT the API was started with, or set DYNAMODB_ENDPOINT and S3_ENDPOINT.\n';

export interface ReplayCommandIo {
  env: Record<string, string | undefined>;
  stdout: Writable;
  stderr: Writable;
}

interface ReplayArgs {
  from: Date;
  to: Date;
  type: string | undefined;
  publish: string | undefined;
}

function usageError(message: string): NotifierError {
  return new NotifierError(NOTIFIER_ERROR_CODES.replayUsage, message);
}

function parseTime(name: string, value: string | undefined): Date {
  if (value === undefined) throw usageError(`--${name} is required`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw usageError(`--${name} ${JSON.stringify(value)} is not an ISO 8601 time`);
  return new Date(ms);
}

export function parseReplayArgs(argv: string[]): ReplayArgs | 'help' {
  let values: { from?: string; to?: string; type?: string; publish?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        type: { type: 'string' },
        publish: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (values.help) return 'help';
  const from = parseTime('from', values.from);
  const to = parseTime('to', values.to);
  if (to.getTime() <= from.getTime()) throw usageError(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
  if (values.type !== undefined && !isEventType(values.type)) {
    throw usageError(`--type ${JSON.stringify(values.type)} is not an event type (${eventTypes.join(', ')})`);
  }
  if (values.publish !== undefined && !/^[A-Za-z0-9._-]{1,249}$/.test(values.publish)) {
    throw usageError(`--publish ${JSON.stringify(values.publish)} is not a valid topic name`);
  }
  return { from, to, type: values.type, publish: values.publish };
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** The replay command; resolves to the exit code (0 done, 1 failed, 2 usage, 78 configuration). */
export async function runReplayCommand(argv: string[], io: ReplayCommandIo): Promise<number> {
  let args: ReplayArgs | 'help';
  try {
    args = parseReplayArgs(argv);
  } catch (error) {
    await write(io.stderr, `replay: ${(error as Error).message}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    await write(io.stdout, REPLAY_USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!isNotifierError(error)) throw error;
    await write(io.stderr, `replay: ${error.message}\n`);
    return 78;
  }
  if (args.publish !== undefined && !config.kafkaBrokers) {
    await write(
      io.stderr,
      'replay: --publish needs KAFKA_BROKERS. Without it Herald runs on its embedded broker, which lives ' +
        'inside the running API process and cannot be reached from this command. Run the replay without ' +
        '--publish to print the events, or set KAFKA_BROKERS to publish them to Kafka.\n',
    );
    return 2;
  }

  const logger = pino(
    { level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'herald-replay', serializers: logSerializers },
    pino.destination(2),
  );
  const stores = await openNotifierStores(config, { mode: 'client', log: logger }).catch(async (error: unknown) => {
    await write(io.stderr, `replay: could not open the event stores: ${(error as Error).message}\n`);
    if (error instanceof EventLogError && error.code === EVENT_LOG_ERROR_CODES.folderInUse) await write(io.stderr, FOLDER_IN_USE_HINT);
    return undefined;
  });
  if (!stores) return 1;
  try {
    await stores.eventLog.ensureTable({ attempts: config.startup.attempts, initialDelayMs: config.startup.initialDelayMs });
    await ensureBucket(stores.s3, stores.bucket, {
      attempts: config.startup.attempts,
      initialDelayMs: config.startup.initialDelayMs,
      endpointLabel: stores.s3Endpoint,
    });
    const events = replayEvents({
      eventLog: stores.eventLog,
      s3: stores.s3,
      bucket: stores.bucket,
      from: args.from,
      to: args.to,
      ...(args.type !== undefined ? { type: args.type } : {}),
    });
    const range = `[${args.from.toISOString()}, ${args.to.toISOString()})`;
    if (args.publish !== undefined) {
      const transport = createKafkaTransport({
        brokers: config.kafkaBrokers!,
        clientId: `${config.kafkaClientId}-replay`,
        logger: logger.child({ component: 'kafka' }),
      });
      try {
        const sent = await publishEvents(events, { transport, topic: args.publish, partitions: config.topicPartitions });
        await write(io.stderr, `replay: published ${sent} event${sent === 1 ? '' : 's'} of ${range} to ${args.publish}\n`);
      } finally {
        await transport.close();
      }
    } else {
      let count = 0;
      for await (const event of events) {
        await write(io.stdout, `${JSON.stringify(event)}\n`);
        count++;
      }
      await write(io.stderr, `replay: ${count} event${count === 1 ? '' : 's'} of ${range}\n`);
    }
    return 0;
  } catch (error) {
    await write(io.stderr, `replay: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await stores.close();
  }
}
