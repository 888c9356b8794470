import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import t from 'tap';
import {
  EVENT_LOG_ERROR_CODES,
  EventLogError,
  createEventLog,
  createEventLogClient,
  isTransientEventLogError,
} from '../src/index.js';
import { dynamoClient } from './helpers.js';

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

t.test('ensureTable creates the table with its three indexes once, and is a no-op after', async (t) => {
  const { client } = await dynamoClient(t);
  const tableName = `herald-events-${randomUUID()}`;
  const eventLog = createEventLog({ client, tableName, retentionSeconds: 60 });
  const first = await eventLog.ensureTable();
  t.equal(first.created, true);
  const second = await eventLog.ensureTable();
  t.equal(second.created, false);
  t.same(second.indexesAdded, []);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  t.equal(Table?.TableStatus, 'ACTIVE');
  t.same(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort(), ['by-log', 'by-time', 'by-type']);
  if (process.env.DYNAMODB_ENDPOINT) t.equal(first.ttl, 'enabled', 'DynamoDB Local supports TTL');
});

t.test('ensureTable gives up after the given attempts with an error naming the endpoint when nothing listens', async (t) => {
  const port = await deadPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createEventLogClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  t.teardown(() => client.destroy());
  const eventLog = createEventLog({ client, tableName: 'herald-events', retentionSeconds: 60 });
  const retries: number[] = [];
  const started = Date.now();
  const error = await eventLog
    .ensureTable({ attempts: 3, initialDelayMs: 20, onRetry: (_, attempt) => retries.push(attempt) })
    .then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof EventLogError, 'an EventLogError');
  t.equal((error as EventLogError).code, EVENT_LOG_ERROR_CODES.unavailable);
  t.match((error as Error).message, endpoint, 'the message names the endpoint');
  t.match((error as Error).message, /3 attempts/);
  t.same(retries, [1, 2], 'two waits between three attempts');
  t.ok(Date.now() - started < 15_000, 'bounded in time');
  t.ok(isTransientEventLogError(error), 'and it counts as a transient failure');
});

t.test('isTransientEventLogError tells a dependency outage from a bad request', async (t) => {
  const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });
  t.ok(isTransientEventLogError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
  t.ok(isTransientEventLogError(named('TimeoutError')));
  t.ok(isTransientEventLogError(named('ProvisionedThroughputExceededException', { $fault: 'client' })));
  t.ok(isTransientEventLogError(named('ThrottlingException')));
  t.ok(isTransientEventLogError(named('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } })));
  t.ok(isTransientEventLogError(named('Whatever', { $metadata: { httpStatusCode: 503 } })));
  t.ok(isTransientEventLogError(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })));
  t.notOk(isTransientEventLogError(named('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })));
  t.notOk(isTransientEventLogError(new TypeError('bad event')));
  t.notOk(isTransientEventLogError(undefined));
});
