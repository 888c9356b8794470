/**
 * What checking that JSON bodies are UTF-8 costs on the parse path, before and after:
 *
 * - before: Fastify reads the body `parseAs: 'string'` (one chunk: `toString('utf8')`, bad bytes
 *   become U+FFFD), then the duplicate-key check and Fastify's JSON parser;
 * - after: `parseAs: 'buffer'` (Fastify copies the chunks into one Buffer), the charset check, a
 *   fatal `TextDecoder`, then the same duplicate-key check and parser;
 * - after, ASCII first: the same, but an all-ASCII body is decoded as Latin-1 after `isAscii`
 *   (a candidate fast path; kept only if it pays);
 * - after, without the copy: the check alone, on the socket's chunk (what the copy costs).
 *
 * Variants run in alternating rounds (the order flips every round) so that drift of a shared
 * machine lands on all of them; each round reports ns per body and the ratio to `before`.
 *
 *   node --import tsx --conditions=@herald/source bench/json-body.ts [--rounds 31] [--ms 120]
 *
 * Writes bench/results/json-body-<time>.md and .json.
 */
import { isAscii } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyBodyParser } from 'fastify';
import { charsetProblem, invalidUtf8Problem, rejectDuplicateKeys, requireUtf8 } from '../apps/api/src/openapi/json-body.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '31' }, ms: { type: 'string', default: '120' } } });
const ROUNDS = Number(values.rounds);
const MS_PER_RUN = Number(values.ms);

type Done = (error: Error | null, value?: unknown) => void;
type Parse = (request: unknown, body: never, done: Done) => void;

const jsonParser = Fastify().getDefaultJsonParser('error', 'error');
const checked = rejectDuplicateKeys(jsonParser) as unknown as Parse;
const utf8Checked = requireUtf8(rejectDuplicateKeys(jsonParser)) as unknown as Parse;

const fatal = new TextDecoder('utf-8', { fatal: true });
/** requireUtf8 with an ASCII fast path in front of the decoder. */
const asciiFirst: FastifyBodyParser<Buffer> = (request, body, done) => {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && contentType.includes(';')) {
    const problem = charsetProblem(contentType);
    if (problem) return done(problem, undefined);
  }
  let text: string;
  if (isAscii(body)) text = body.toString('latin1');
  else {
    try {
      text = fatal.decode(body);
    } catch {
      return done(invalidUtf8Problem(body), undefined);
    }
  }
  (checked as (request: unknown, body: string, done: Done) => void)(request, text, done);
};

/** What reaches the parser, from one socket chunk, in each mode of Fastify's rawBody. */
const variants: Record<string, (request: unknown, chunk: Buffer, done: Done) => void> = {
  before: (request, chunk, done) => checked(request, chunk.toString('utf8') as never, done),
  after: (request, chunk, done) => utf8Checked(request, Buffer.concat([chunk], chunk.length) as never, done),
  'after, ASCII first': (request, chunk, done) => (asciiFirst as unknown as Parse)(request, Buffer.concat([chunk], chunk.length) as never, done),
  // How much of the difference is Fastify's copy rather than the check.
  'after, without the copy': (request, chunk, done) => utf8Checked(request, chunk as never, done),
};

const product = { sku: 'BENCH-0001-abcdef', name: 'Bench product BENCH-0001-abcdef', price: { amount: 1999, currency: 'EUR' }, stock: 100 };
const bodies: Record<string, { text: string; contentType: string }> = {
  'product (ASCII, as bench:write sends it)': { text: JSON.stringify(product), contentType: 'application/json' },
  'product, charset=utf-8': { text: JSON.stringify(product), contentType: 'application/json; charset=utf-8' },
  'product, accents, CJK, emoji': {
    text: JSON.stringify({ ...product, name: 'Thé vert — 绿茶 🍵', description: 'Crème brûlée; 日本語 한국어; 👩‍👩‍👧' }),
    contentType: 'application/json',
  },
  'blog with 100 posts (~60 KB, ASCII)': {
    text: JSON.stringify({ name: 'Bench blog', slug: 'bench-blog', posts: Array.from({ length: 100 }, (_, i) => ({ title: `Post ${i}`, content: 'lorem ipsum dolor sit amet, '.repeat(20) })) }),
    contentType: 'application/json',
  },
  'blog with 100 posts (~60 KB, French)': {
    text: JSON.stringify({ name: 'Blog d’essai', slug: 'essai', posts: Array.from({ length: 100 }, (_, i) => ({ title: `Billet ${i}`, content: 'Là où l’été déçoit, ça ne crée rien. '.repeat(15) })) }),
    contentType: 'application/json',
  },
};

let sink = 0;
const keep: Done = (error, value) => {
  if (error) throw error;
  sink += value === undefined ? 0 : 1;
};

/** ns per body of one variant on one body, over about MS_PER_RUN milliseconds. */
function measure(run: (request: unknown, chunk: Buffer, done: Done) => void, request: unknown, chunk: Buffer): number {
  let iterations = 0;
  let batch = 64;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(MS_PER_RUN) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) run(request, chunk, keep);
    iterations += batch;
    if (batch < 4096) batch *= 2;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / iterations;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

type Row = { body: string; bytes: number; variant: string; nsPerBody: number[]; ratio: number[] };
const rows: Row[] = [];
const loadBefore = loadavg()[0]!;
const names = Object.keys(variants);

for (const [bodyName, { text, contentType }] of Object.entries(bodies)) {
  const chunk = Buffer.from(text);
  const request = { headers: { 'content-type': contentType } };
  // Each variant must give the same value before its time counts.
  for (const name of names) {
    let value: unknown;
    variants[name]!(request, chunk, (error, parsed) => {
      if (error) throw error;
      value = parsed;
    });
    if (JSON.stringify(value) !== text) throw new Error(`${name} parses ${bodyName} differently`);
  }
  for (const name of names) measure(variants[name]!, request, chunk); // warm-up
  const perVariant: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) perVariant[name]!.push(measure(variants[name]!, request, chunk));
  }
  for (const name of names) {
    const ns = perVariant[name]!;
    rows.push({ body: bodyName, bytes: chunk.length, variant: name, nsPerBody: ns, ratio: ns.map((x, i) => x / perVariant.before![i]!) });
  }
  process.stdout.write(`${bodyName}: done\n`);
}

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const when = new Date().toISOString();
const lines = [
  `# JSON body parse path: UTF-8 check, before and after — ${when}`,
  '',
  `Commit ${commit}. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, shared with other work ` +
    `(load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end: absolute times are inflated, ratios less so). ` +
    `${ROUNDS} alternating rounds of ${MS_PER_RUN} ms per variant and body; medians over rounds; the ratio is taken per round against \`before\`, then its median (min – max).`,
  '',
  '| body | bytes | variant | ns per body | × before | per round |',
  '|---|---:|---|---:|---:|---:|',
  ...rows.map((row) => {
    const min = Math.min(...row.ratio).toFixed(2);
    const max = Math.max(...row.ratio).toFixed(2);
    return `| ${row.body} | ${row.bytes} | ${row.variant} | ${median(row.nsPerBody).toFixed(0)} | ${median(row.ratio).toFixed(2)} | ${min} – ${max} |`;
  }),
  '',
];
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
const base = new URL(`results/json-body-${when.replace(/[:.]/g, '-')}`, import.meta.url);
writeFileSync(`${base.pathname}.md`, lines.join('\n'));
writeFileSync(`${base.pathname}.json`, JSON.stringify({ when, commit, node: process.version, rounds: ROUNDS, msPerRun: MS_PER_RUN, rows }, null, 2) + '\n');
process.stdout.write(`${lines.join('\n')}\nwritten to ${base.pathname}.md (${sink > 0 ? 'ok' : ''})\n`);
