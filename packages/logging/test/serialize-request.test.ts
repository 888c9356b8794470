import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { logSerializers, redactUrl } from '../src/index.js';

function logLines(): { logger: pino.Logger; raw: string[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ name: 'herald', serializers: logSerializers }, sink), raw };
}

t.test('credentials in the query read [redacted]; the path and the other parameters stay as sent', async (t) => {
  t.equal(
    redactUrl('/api/v1/events/stream?types=ProductCreated&ticket=abc-DEF_123&last_event_id=0190'),
    '/api/v1/events/stream?types=ProductCreated&ticket=[redacted]&last_event_id=0190',
  );
  t.equal(redactUrl('/x?access_token=a&refresh_token=b&token=c'), '/x?access_token=[redacted]&refresh_token=[redacted]&token=[redacted]');
  t.equal(redactUrl('/x?Ticket=a&TOKEN=b'), '/x?Ticket=[redacted]&TOKEN=[redacted]', 'names in any case');
  t.equal(redactUrl('/x?%74icket=a&ti%63ket=b&access%5Ftoken=c'), '/x?%74icket=[redacted]&ti%63ket=[redacted]&access%5Ftoken=[redacted]', 'names percent-encoded');
  t.equal(redactUrl('/x?ticket=a&ticket=b'), '/x?ticket=[redacted]&ticket=[redacted]', 'every occurrence');
  t.equal(redactUrl('/x?ticket'), '/x?ticket=[redacted]', 'a name without a value');
  t.equal(redactUrl('/x?tickets=a&my_token=b&%E0%A4%A=c'), '/x?tickets=a&my_token=b&%E0%A4%A=c', 'other names, malformed ones too, are kept');
  t.equal(redactUrl('/api/v1/products'), '/api/v1/products');
});

t.test('a request is logged with its method, redacted URL, host and address, never its headers', async (t) => {
  const { logger, raw } = logLines();
  const request = {
    method: 'GET',
    url: '/api/v1/events/stream?ticket=s3cr3t-ticket',
    ip: '10.0.0.7',
    host: 'herald.example',
    headers: { authorization: 'Bearer eyJhbGciOi.secret.sig', cookie: 'session=s3cr3t-cookie', host: 'herald.example' },
    socket: { remoteAddress: '10.0.0.7', remotePort: 40123 },
  };
  logger.info({ req: request }, 'request completed');
  const line = JSON.parse(raw[0]!) as { req: unknown };
  t.strictSame(line.req, {
    method: 'GET',
    url: '/api/v1/events/stream?ticket=[redacted]',
    host: 'herald.example',
    remoteAddress: '10.0.0.7',
    remotePort: 40123,
  });
  t.notMatch(raw[0]!, /s3cr3t|eyJhbGciOi/, 'no credential anywhere in the line');
});

t.test("Node's own request (no Fastify fields) is described from its headers and socket", async (t) => {
  const { logger, raw } = logLines();
  logger.info({ req: { method: 'POST', url: '/x?token=t0k', headers: { host: 'h', authorization: 'Bearer b' }, socket: { remoteAddress: '::1', remotePort: 5 } } });
  t.match(JSON.parse(raw[0]!), { req: { method: 'POST', url: '/x?token=[redacted]', host: 'h', remoteAddress: '::1', remotePort: 5 } });
  t.notMatch(raw[0]!, /t0k|Bearer/);
});
