/**
 * `npm run dead-letters -- list --group <name>` and
 * `npm run dead-letters -- redrive --group <name> [--event-id <id> ...]`.
 *
 * Talks to a running API (HERALD_URL, default http://localhost:3000): the dead-letter topics are
 * read by the API, and re-driven events go through its outbox and its single producer. This works
 * the same on the embedded broker, which lives inside the API process, and on Kafka.
 */
import { parseArgs } from 'node:util';

const usage = `usage:
  npm run dead-letters -- list --group <consumer>
  npm run dead-letters -- redrive --group <consumer> [--event-id <uuid> ...]
environment: HERALD_URL (default http://localhost:3000)`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { group: { type: 'string' }, 'event-id': { type: 'string', multiple: true }, help: { type: 'boolean' } },
});
const command = positionals[0];
if (values.help || !values.group || (command !== 'list' && command !== 'redrive')) {
  console.error(usage);
  process.exit(values.help ? 0 : 64);
}
const base = (process.env.HERALD_URL ?? 'http://localhost:3000').replace(/\/$/, '');

async function call(path: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(`${base}${path}`, init).catch((error: Error) => {
    console.error(`cannot reach Herald at ${base}: ${error.message}`);
    process.exit(69);
  });
  const body = (await response.json()) as { detail?: string };
  if (!response.ok) {
    console.error(`${response.status}: ${body.detail ?? JSON.stringify(body)}`);
    process.exit(1);
  }
  return body;
}

if (command === 'list') {
  const list = (await call(`/api/v1/dead-letters?group=${encodeURIComponent(values.group)}`)) as {
    topic: string;
    items: Array<{ offset: string; event_id: string | null; event_type: string | null; reason: string; attempts: number; redriven: boolean; dead_lettered_at: string }>;
  };
  console.log(`${list.items.length} dead letter(s) in ${list.topic}`);
  for (const item of list.items) {
    console.log(
      [item.offset, item.dead_lettered_at, item.event_type ?? '-', item.event_id ?? '-', `attempts=${item.attempts}`, item.redriven ? 'redriven' : 'waiting', item.reason].join('\t'),
    );
  }
} else {
  const result = (await call('/api/v1/dead-letters/redrive', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ group: values.group, ...(values['event-id'] ? { event_ids: values['event-id'] } : {}) }),
  })) as { redriven: string[]; skipped: Array<{ offset: string; reason: string }> };
  console.log(`re-driven: ${result.redriven.length} (offsets ${result.redriven.join(', ') || '-'})`);
  for (const skip of result.skipped) console.log(`skipped offset ${skip.offset}: ${skip.reason}`);
}
