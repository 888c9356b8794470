import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { logSerializers, serializeError } from '../src/index.js';

/** Stands for pg's Client: an object of connection internals, kilobytes of JSON. */
class Client {
  readonly connectionParameters = { user: 'herald', database: 'herald', port: 5432 };
  readonly types = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`TYPE_${i}`, i]));
  readonly queue: unknown[] = [];
}

/** A pg-pool idle-connection error: pg's DatabaseError fields, and the pool's `client` on it. */
function idleConnectionError(): Error {
  const error = Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    severity: 'FATAL',
    routine: 'ProcessInterrupts',
  });
  (error as Error & { client?: Client }).client = new Client();
  return error;
}

function logLines(): { logger: pino.Logger; lines: () => Array<Record<string, unknown> & { raw: string }> } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ name: 'herald', serializers: logSerializers }, sink);
  return { logger, lines: () => raw.map((line) => ({ ...(JSON.parse(line) as Record<string, unknown>), raw: line })) };
}

t.test('a pg error logged with its pool client keeps the error and names the client', async (t) => {
  const { logger, lines } = logLines();
  logger.warn({ err: idleConnectionError() }, 'idle database connection failed');
  const [line] = lines();
  t.ok(line!.raw.length < 3_000, `one short line (${line!.raw.length} characters)`);
  t.notMatch(line!.raw, 'TYPE_', 'none of the client internals');
  t.match(line!.err, {
    type: 'Error',
    message: 'terminating connection due to administrator command',
    code: '57P01',
    severity: 'FATAL',
    routine: 'ProcessInterrupts',
    client: '[Client]',
  });
  t.match((line!.err as { stack: string }).stack, /terminating connection/);
});

t.test('plain fields and causes are kept as they are', async (t) => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', socket: new Client() });
  const error = Object.assign(new Error('event log unavailable', { cause }), {
    $metadata: { httpStatusCode: 503, attempts: 3 },
    validation: [{ field: 'price', message: 'must be >= 0' }],
    at: new Date(0),
    inner: Object.assign(new Error('inner'), { client: new Client() }),
  });
  const serialized = JSON.parse(JSON.stringify(serializeError(error))) as Record<string, unknown>;
  t.same(serialized.$metadata, { httpStatusCode: 503, attempts: 3 });
  t.same(serialized.validation, [{ field: 'price', message: 'must be >= 0' }]);
  t.equal(serialized.at, new Date(0).toISOString());
  t.match(serialized.inner, { message: 'inner', client: '[Client]' }, 'an error-valued field is compacted too');
  t.match(serialized.message, /event log unavailable: connect ECONNREFUSED/, 'the cause is in the message, as pino writes it');
});

t.test('what is not an error is left to pino', async (t) => {
  t.equal(serializeError('just text'), 'just text');
  const notAnError = { id: 1 };
  t.equal(serializeError(notAnError), notAnError);
});
