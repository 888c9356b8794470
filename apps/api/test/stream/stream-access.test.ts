import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { idleHub, stubPublisher } from '../helpers/app-stubs.js';
import { eventually, startTestHerald, validProduct, type TestHerald } from '../helpers/herald.js';
import { openSse, type SseClient, type SseMessage } from '../helpers/sse-client.js';

/**
 * Who may open the event stream, and what each one sees on it: a signed-in user with a bearer
 * token or a stream ticket (what a browser's EventSource uses), an admin every event, a user only
 * the events about their own account, live or replayed.
 */

const STREAM = '/api/v1/events/stream';
const TICKETS = '/api/v1/events/stream-tickets';
const streamUrl = (herald: TestHerald, query = '') => `${herald.url}${STREAM}${query}`;
const events = (messages: SseMessage[]) => messages.filter((m) => m.id).map((m) => ({ type: m.event, ...(JSON.parse(m.data) as { id: string; subject: string }) }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ticketFor(herald: TestHerald, token: string): Promise<string> {
  const response = await herald.request({ method: 'POST', url: TICKETS, as: { token } });
  if (response.statusCode !== 201) throw new Error(`ticket: ${response.statusCode} ${response.body}`);
  return response.json<{ ticket: string }>().ticket;
}

/** The status a stream request gets; the body is not waited for (a stream that opened never ends). */
async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  return response.status;
}

function open(t: { teardown(fn: () => unknown): void }, url: string, headers: Record<string, string> = {}): SseClient {
  const client = openSse(url, headers);
  t.teardown(() => client.close());
  return client;
}

async function renamed(herald: TestHerald, accessToken: string, displayName: string) {
  const response = await herald.request({ method: 'PATCH', url: '/api/v1/me', body: { display_name: displayName }, as: { token: accessToken } });
  if (response.statusCode !== 200) throw new Error(`PATCH /me: ${response.statusCode} ${response.body}`);
}

t.test('an anonymous stream is refused with a 401 that says how to authenticate', async (t) => {
  const herald = await startTestHerald(t);
  for (const url of [STREAM, `${STREAM}?ticket=${'A'.repeat(43)}`, `${STREAM}?ticket=not-a-ticket`]) {
    const response = await herald.request({ method: 'GET', url, as: 'anonymous' });
    t.equal(response.statusCode, 401, url);
    t.match(response.headers['www-authenticate'], /^Bearer/, `${url}: WWW-Authenticate`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
  }
  const ticket = await herald.request({ method: 'POST', url: TICKETS, as: 'anonymous' });
  t.equal(ticket.statusCode, 401, 'a ticket needs a bearer token too');
  t.equal(herald.eventHub.listenerCount(), 0);
});

t.test("an admin's stream, opened with a bearer token, carries the product events", async (t) => {
  const herald = await startTestHerald(t);
  const client = open(t, streamUrl(herald), { authorization: `Bearer ${await herald.adminToken()}` });
  await eventually(async () => herald.eventHub.listenerCount() === 1);
  const product = await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() });
  await client.waitFor((m) => events(m).some((e) => e.type === 'ProductCreated' && e.subject === product.json().id));
  t.pass('the admin saw ProductCreated');
});

t.test("a user's stream, opened with a ticket, carries their own account's events and nobody else's, live and replayed", async (t) => {
  const herald = await startTestHerald(t);
  const [alice, bob] = [await herald.signUp(), await herald.signUp()];
  const admin = open(t, streamUrl(herald), { authorization: `Bearer ${await herald.adminToken()}` });
  const issued = await herald.request({ method: 'POST', url: TICKETS, as: { token: alice.accessToken } });
  t.equal(issued.statusCode, 201);
  t.match(issued.json(), { ticket: /^[A-Za-z0-9_-]{43}$/, expires_in: 60 });
  t.equal(issued.headers['cache-control'], 'no-store');
  const mine = open(t, streamUrl(herald, `?ticket=${issued.json().ticket}`));
  t.equal((await mine.response).statusCode, 200);
  await eventually(async () => herald.eventHub.listenerCount() === 2);

  // One at a time, so the admin's stream (which sees everything) says when each has gone by.
  const product = (await herald.request({ method: 'POST', url: '/api/v1/products', body: validProduct() })).json<{ id: string }>();
  await admin.waitFor((m) => events(m).some((e) => e.subject === product.id));
  await renamed(herald, bob.accessToken, 'Bob');
  await admin.waitFor((m) => events(m).some((e) => e.type === 'UserUpdated' && e.subject === bob.id));
  await renamed(herald, alice.accessToken, 'Alice');
  await admin.waitFor((m) => events(m).some((e) => e.type === 'UserUpdated' && e.subject === alice.id));
  await mine.waitFor((m) => events(m).some((e) => e.type === 'UserUpdated'));
  await pause(300); // room for an event that should not be there
  // Her UserRegistered may still have been on its way when her stream opened: hers too.
  const live = events(mine.messages);
  t.ok(live.every((e) => e.subject === alice.id && e.type.startsWith('User')), 'live: only events about her account');
  t.same(live.filter((e) => e.type === 'UserUpdated').map((e) => e.subject), [alice.id], 'her UserUpdated, not his');

  // Resuming from the product event replays from the ring: the same rule applies.
  const productEvent = events(admin.messages).find((e) => e.subject === product.id)!;
  const resumed = open(t, streamUrl(herald, `?ticket=${await ticketFor(herald, alice.accessToken)}`), { 'last-event-id': productEvent.id });
  await resumed.waitFor((m) => events(m).some((e) => e.type === 'UserUpdated'));
  await pause(300);
  t.notOk(resumed.messages.some((m) => m.event === 'resync'), 'replayed from the ring, no resync');
  const replayed = events(resumed.messages);
  t.ok(replayed.every((e) => e.subject === alice.id), 'replayed: only events about her account');
  t.same(replayed.filter((e) => e.type === 'UserUpdated').map((e) => e.subject), [alice.id], 'her UserUpdated, not his');
});

t.test('a ticket opens one stream, once, and not after it expires', async (t) => {
  const herald = await startTestHerald(t, { SSE_TICKET_TTL_SECONDS: '1' });
  const user = await herald.signUp();

  const ticket = await ticketFor(herald, user.accessToken);
  // A HEAD opens no stream, so it leaves the ticket to the GET.
  t.equal((await fetch(streamUrl(herald, `?ticket=${ticket}`), { method: 'HEAD', signal: AbortSignal.timeout(5_000) })).status, 200, 'HEAD with the ticket');
  const first = open(t, streamUrl(herald, `?ticket=${ticket}`));
  t.equal((await first.response).statusCode, 200, 'the first use opens a stream');
  t.equal(await statusOf(streamUrl(herald, `?ticket=${ticket}`)), 401, 'the second use is refused');

  const late = await ticketFor(herald, user.accessToken);
  await pause(1_500);
  t.equal(await statusOf(streamUrl(herald, `?ticket=${late}`)), 401, 'an expired ticket is refused');
  const rows = await herald.pool.query('SELECT count(*)::int AS n FROM stream_tickets');
  t.equal(rows.rows[0].n, 1, 'only its hash was kept, until cleaned up');
  await ticketFor(herald, user.accessToken);
  const after = await herald.pool.query('SELECT count(*)::int AS n FROM stream_tickets WHERE expires_at <= now()');
  t.equal(after.rows[0].n, 0, 'issuing a ticket deletes the expired ones');
});

t.test('a user holds a limited number of open streams: one more is a 429 with Retry-After, until one closes', async (t) => {
  const herald = await startTestHerald(t, { SSE_MAX_STREAMS_PER_USER: '2' });
  const [user, other] = [await herald.signUp(), await herald.signUp()];
  const bearer = { authorization: `Bearer ${user.accessToken}` };
  const streams = [open(t, streamUrl(herald), bearer), open(t, streamUrl(herald, `?ticket=${await ticketFor(herald, user.accessToken)}`))];
  await eventually(async () => herald.eventHub.listenerCount() === 2);

  const refused = await fetch(streamUrl(herald), { headers: bearer, signal: AbortSignal.timeout(10_000) });
  t.equal(refused.status, 429);
  t.match(refused.headers.get('content-type'), /^application\/problem\+json/);
  t.match(refused.headers.get('retry-after'), /^[1-9][0-9]*$/);
  t.match(await refused.json(), { type: 'urn:herald:problem:too-many-streams', status: 429 });
  t.equal(await statusOf(streamUrl(herald, `?ticket=${await ticketFor(herald, user.accessToken)}`)), 429, 'by ticket as by bearer token: the limit is the user’s');

  const others = open(t, streamUrl(herald), { authorization: `Bearer ${other.accessToken}` });
  t.equal((await others.response).statusCode, 200, 'another user is not affected');

  streams[0]!.close();
  await eventually(async () => herald.eventHub.listenerCount() === 2);
  const reopened = open(t, streamUrl(herald), bearer);
  t.equal((await reopened.response).statusCode, 200, 'a closed stream gives its place back');
});

t.test('HEAD answers at once for a signed-in client and opens nothing; anonymous, it is a 401', async (t) => {
  const herald = await startTestHerald(t);
  const token = await herald.adminToken();
  const started = Date.now();
  const response = await fetch(streamUrl(herald), { method: 'HEAD', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  t.ok(Date.now() - started < 2_000, 'promptly');
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/event-stream/);
  t.equal(herald.eventHub.listenerCount(), 0, 'no stream was opened');
  const anonymous = await fetch(streamUrl(herald), { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
  t.equal(anonymous.status, 401);
});

t.test('neither a ticket nor a bearer token appears in the request log', async (t) => {
  const herald = await startTestHerald(t);
  const user = await herald.signUp();
  // A second app on the same database, whose log is captured: tickets live in the database, so
  // one issued by the first is good on the second, as across instances.
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp(
    { config: loadConfig({ LOG_LEVEL: 'info' }), pool: herald.pool, publisher: stubPublisher, eventHub: idleHub, transport: herald.transport },
    pino({ level: 'info' }, sink),
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await app.close();
  });

  const ticket = await ticketFor(herald, user.accessToken);
  const stream = open(t, `${url}${STREAM}?types=UserUpdated&ticket=${ticket}`);
  t.equal((await stream.response).statusCode, 200, 'the ticket opened a stream');
  t.equal(await statusOf(`${url}${STREAM}?ticket=${ticket}`), 401, 'and only one');
  await statusOf(`${url}${STREAM}?access_token=${user.accessToken}`);
  await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${user.accessToken}` } });
  await app.close(); // ends the stream, which writes its line
  closed = true;

  const logged = lines.join('\n');
  t.ok(lines.some((line) => line.includes(`${STREAM}?types=UserUpdated&ticket=[redacted]`)), 'the stream request is logged, its ticket redacted');
  t.ok(lines.some((line) => line.includes(`${STREAM}?access_token=[redacted]`)), 'a token in the query too');
  t.notOk(logged.includes(ticket), 'the ticket is nowhere in the log');
  t.notOk(logged.includes(user.accessToken), 'nor the access token');
  t.same(lines.filter((line) => /"authorization"|bearer ey/i.test(line)), [], 'no Authorization header is logged');
});
