import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEvent } from '@herald/event-schemas';
import t from 'tap';
import { eventually, startTestHerald } from '../helpers/herald.js';
import { openSse, type SseMessage } from '../helpers/sse-client.js';

const slowClientScript = fileURLToPath(new URL('./fixtures/slow-sse-client.py', import.meta.url));
const ids = (messages: SseMessage[]) => messages.filter((m) => m.id).map((m) => m.id!);

t.test('a client that stops reading is cut off with an overflow event and the server lets go of it', async (t) => {
  const herald = await startTestHerald(t, { SSE_MAX_BUFFERED_BYTES: '262144' });
  const { hostname, port } = new URL(herald.url);
  const slow = spawn('python3', [slowClientScript, hostname, port, '/api/v1/events/stream'], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => slow.kill());
  let slowOutput = '';
  slow.stdout.on('data', (chunk) => (slowOutput += chunk));
  const healthy = openSse(`${herald.url}/api/v1/events/stream`);
  t.teardown(() => healthy.close());
  await eventually(async () => herald.eventHub.listenerCount() === 2 && slowOutput.includes('connected'));

  // Several MB of events (more than the server's socket send buffer), written straight into the outbox.
  const total = 3000;
  const now = new Date().toISOString();
  const events = Array.from({ length: total }, () => {
    const id = randomUUID();
    return createEvent({
      type: 'ProductCreated',
      subject: id,
      source: '/herald/test',
      data: { product: { id, sku: `S-${id.slice(0, 8)}`, name: 'x'.repeat(200), description: 'y'.repeat(2000), price: { amount: 1, currency: 'EUR' }, stock: 5, low_stock_threshold: 1, created_at: now, updated_at: now, version: 1 } },
    });
  });
  await herald.pool.query(
    `INSERT INTO outbox (event_id, event_type, topic, message_key, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [events.map((e) => e.id), events.map((e) => e.type), events.map(() => herald.topic), events.map((e) => e.subject), events.map((e) => JSON.stringify(e))],
  );
  herald.publisher.nudge();

  await eventually(async () => herald.eventHub.listenerCount() === 1, 60_000);
  t.pass('the slow client was detached from the hub');
  await healthy.waitFor((m) => ids(m).length >= total, 60_000);
  t.equal(ids(healthy.messages).length, total, 'a client that keeps up gets everything');

  slow.stdin.write('read now\n');
  await new Promise((resolve) => slow.once('exit', resolve));
  t.match(slowOutput, /event: overflow/, 'the slow client is told why it was disconnected');
});
