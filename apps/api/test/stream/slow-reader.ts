import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEvent } from '@herald/event-schemas';
import type { TestHerald } from '../helpers/herald.js';

const slowClientScript = fileURLToPath(new URL('./fixtures/slow-sse-client.py', import.meta.url));

export interface SlowReader {
  /** What it printed: "connected", then (after `readNow`) the last bytes it received. */
  output(): string;
  /** Reads everything, prints the end of it and exits. */
  readNow(): Promise<void>;
}

/**
 * An SSE client that connects and stops reading, with a tiny receive buffer, so the server's
 * writes back up quickly instead of vanishing into the kernel's buffers. It opens the stream with
 * a ticket of the admin's, as a browser would.
 */
export async function startSlowReader(t: { teardown(fn: () => unknown): void }, herald: TestHerald): Promise<SlowReader> {
  const { hostname, port } = new URL(herald.url);
  const issued = await herald.request({ method: 'POST', url: '/api/v1/events/stream-tickets' });
  if (issued.statusCode !== 201) throw new Error(`stream ticket: ${issued.statusCode} ${issued.body}`);
  const path = `/api/v1/events/stream?ticket=${issued.json<{ ticket: string }>().ticket}`;
  const slow = spawn('python3', [slowClientScript, hostname, port, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => slow.kill());
  let output = '';
  slow.stdout.on('data', (chunk) => (output += chunk));
  return {
    output: () => output,
    async readNow() {
      const exited = new Promise((resolve) => slow.once('exit', resolve));
      slow.stdin.write('read now\n');
      await exited;
    },
  };
}

/**
 * `count` ProductCreated events of about 2.5 kB each (several MB in all, more than a socket send
 * buffer), written straight into the outbox and published.
 */
export async function publishLargeEvents(herald: TestHerald, count: number): Promise<void> {
  const now = new Date().toISOString();
  const events = Array.from({ length: count }, () => {
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
}
