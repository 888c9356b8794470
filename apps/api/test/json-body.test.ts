import { isUtf8 } from 'node:buffer';
import t from 'tap';
import { HttpProblem } from '../src/errors.js';
import { charsetProblem, declaredCharsets, duplicateKeys, firstInvalidUtf8, rejectDuplicateKeys, requireUtf8 } from '../src/openapi/json-body.js';

/**
 * The duplicate-key check on its own, over generated JSON texts: strings full of colons, quotes,
 * backslashes and escapes must never look like members, and a key repeated anywhere must be found
 * with its path.
 */

const parseJson = (_request: unknown, body: string, done: (error: Error | null, value?: unknown) => void) => {
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    done(error as Error);
  }
};
const check = rejectDuplicateKeys(parseJson as never) as unknown as (
  request: unknown,
  body: string,
  done: (error: Error | null, value?: unknown) => void,
) => void;

function run(body: string): { error: Error | null; value: unknown } {
  let result!: { error: Error | null; value: unknown };
  check({}, body, (error, value) => (result = { error, value }));
  return result;
}

/** A small seeded generator (mulberry32), so a failure names its seed and reproduces. */
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const PIECES = ['a', 'b', ':', '"', '\\', '\\"', '{', '}', '[', ']', ',', ' ', 'é', '😀', '\u0000', '\n', '":"', '\\\\'];

function randomString(r: ReturnType<typeof prng>): string {
  return Array.from({ length: r.int(0, 6) }, () => r.pick(PIECES)).join('');
}

function randomValue(r: ReturnType<typeof prng>, depth: number): unknown {
  const kind = depth > 3 ? r.int(0, 3) : r.int(0, 5);
  switch (kind) {
    case 0:
      return randomString(r);
    case 1:
      return r.int(-1000, 1000) / r.pick([1, 10]);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.pick(['', ':', '{"a":1}']);
    case 4:
      return Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = r.int(0, 5); i > 0; i--) object[randomString(r)] = randomValue(r, depth + 1);
      return object;
    }
  }
}

t.test('1000 generated bodies without duplicates are accepted, parsed as JSON.parse parses them', async (t) => {
  const r = prng(7);
  let rejected = 0;
  for (let i = 0; i < 1000; i++) {
    const value = randomValue(r, 0);
    // JSON.stringify writes some characters as escapes and others raw; both forms must pass.
    const text = r.next() < 0.5 ? JSON.stringify(value) : JSON.stringify(value, null, 1);
    const { error, value: parsed } = run(text);
    if (error) {
      rejected++;
      t.fail(`#${i} rejected: ${text.slice(0, 200)}`);
    } else if (JSON.stringify(parsed) !== JSON.stringify(value)) {
      t.fail(`#${i} parsed differently`);
    }
  }
  t.equal(rejected, 0);
});

/** Inserts a copy of an existing member of some object of `text`, returning the dotted path it names. */
function withDuplicate(r: ReturnType<typeof prng>, value: unknown): { text: string; path: string } | undefined {
  const objects: Array<{ object: Record<string, unknown>; path: string[] }> = [];
  const walk = (node: unknown, path: string[]) => {
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, String(index)]));
    else if (node !== null && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      if (Object.keys(object).length > 0) objects.push({ object, path });
      for (const [key, inner] of Object.entries(object)) walk(inner, [...path, key]);
    }
  };
  walk(value, []);
  if (objects.length === 0) return undefined;
  const { object, path } = r.pick(objects);
  const key = r.pick(Object.keys(object));
  const marker = '__duplicate_here__';
  object[marker] = null;
  // Written with an escape half the time: "\u0061" and "a" are the same key.
  const escaped = Array.from({ length: key.length }, (_, i) => `\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
  const written = r.next() < 0.5 ? JSON.stringify(key) : `"${escaped}"`;
  const text = JSON.stringify(value).replace(`"${marker}":null`, `${written}:${JSON.stringify(randomValue(r, 3))}`);
  return { text, path: [...path, key].join('.') };
}

t.test('a key repeated anywhere in 500 generated bodies is refused, naming its path', async (t) => {
  const r = prng(11);
  let tried = 0;
  while (tried < 500) {
    const value = { root: randomValue(r, 0), other: randomValue(r, 1) };
    const made = withDuplicate(r, value);
    if (!made) continue;
    tried++;
    const { error } = run(made.text);
    if (!(error instanceof HttpProblem) || error.code !== 'HERALD_DUPLICATE_KEY') {
      t.fail(`#${tried} not refused: ${made.text.slice(0, 200)}`);
      continue;
    }
    if (!error.fieldErrors.some((e) => e.field === made.path)) t.fail(`#${tried} names ${error.fieldErrors.map((e) => e.field)} not ${made.path}`);
  }
  t.pass(`${tried} bodies with a duplicate`);
});

t.test('duplicateKeys names every repetition, with array indexes in the path', async (t) => {
  t.same(duplicateKeys('{"a":1,"a":2}'), ['a']);
  t.same(duplicateKeys('{"a":{"b":1,"b":2},"c":[{"d":1},{"d":1,"d":2}]}'), ['a.b', 'c.1.d']);
  t.same(duplicateKeys('{"a":1,"b":{"a":1},"c":[{"a":1}]}'), [], 'the same key in different objects');
  t.same(duplicateKeys('{"k\\"":1,"k\\\\":2,"k\\"":3}'), ['k"']);
  t.same(duplicateKeys('{"a":[1,{"x":":"},3],"a":0}'), ['a']);
});

t.test('a body nested 100 000 deep is checked without exhausting the stack', async (t) => {
  const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  t.equal(run(deep).error, null);
  const duplicate = `${'{"a":'.repeat(50_000)}{"b":1,"b":2}${'}'.repeat(50_000)}`;
  t.match(run(duplicate).error, { code: 'HERALD_DUPLICATE_KEY' });
});

t.test('errors of the wrapped parser pass through unchanged', async (t) => {
  t.type(run('{"a":').error, SyntaxError);
  t.same(run('[1,2]'), { error: null, value: [1, 2] });
  t.same(run('"text"'), { error: null, value: 'text' });
});

/**
 * UTF-8 of raw bodies: bytes that are not UTF-8 are refused with the offset of the first bad one,
 * a charset other than UTF-8 is refused, and what passes is decoded exactly.
 */

const checkBytes = requireUtf8(rejectDuplicateKeys(parseJson as never)) as unknown as (
  request: unknown,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
) => void;

function runBytes(body: Buffer, contentType = 'application/json'): { error: Error | null; value: unknown } {
  let result!: { error: Error | null; value: unknown };
  checkBytes({ headers: { 'content-type': contentType } }, body, (error, value) => (result = { error, value }));
  return result;
}

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

t.test('each kind of ill-formed UTF-8 is found at the offset where it starts, with its reason', async (t) => {
  const cases: Array<[string, Buffer, number, RegExp]> = [
    ['a lone continuation byte', bytes('{"a":"x', [0x80], '"}'), 7, /0x80 is a continuation byte/],
    ['0xff', bytes('{"a":"', [0xff], '"}'), 6, /0xff never appears in UTF-8/],
    ['0xf5', bytes('{"a":"', [0xf5, 0x80, 0x80, 0x80], '"}'), 6, /0xf5 never appears/],
    ['an overlong "/" (0xc0 0xaf)', bytes('{"a":"', [0xc0, 0xaf], '"}'), 6, /0xc0 can only start an overlong encoding/],
    ['an overlong NUL in three bytes', bytes('{"a":"', [0xe0, 0x80, 0x80], '"}'), 6, /0xe0 0x80 starts an overlong encoding/],
    ['an overlong in four bytes', bytes('{"a":"', [0xf0, 0x8f, 0xbf, 0xbf], '"}'), 6, /0xf0 0x8f starts an overlong encoding/],
    ['an encoded surrogate U+D800', bytes('{"a":"', [0xed, 0xa0, 0x80], '"}'), 6, /0xed 0xa0 starts a UTF-16 surrogate/],
    ['an encoded surrogate pair', bytes('{"a":"', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], '"}'), 6, /surrogate/],
    ['a code point above U+10FFFF', bytes('{"a":"', [0xf4, 0x90, 0x80, 0x80], '"}'), 6, /above U\+10FFFF/],
    ['a sequence cut short by an ASCII byte', bytes('{"a":"é', [0xe2, 0x82], '"}'), 8, /0xe2 0x82 is cut short by byte 0x22/],
    ['a sequence cut short by the end of the body', bytes('{"a":1}', [0xf0, 0x9f, 0x98]), 7, /0xf0 0x9f 0x98 is cut short by the end of the body/],
    ['Latin-1 text', bytes('{"name":"Th', [0xe9], '"}'), 11, /0xe9 is cut short by byte 0x22/],
  ];
  for (const [name, body, offset, reason] of cases) {
    t.notOk(isUtf8(body), `${name}: not UTF-8`);
    const found = firstInvalidUtf8(body);
    t.equal(found?.offset, offset, `${name}: offset`);
    t.match(found?.reason, reason, `${name}: reason`);
    const { error } = runBytes(body);
    t.ok(error instanceof HttpProblem && error.code === 'HERALD_MALFORMED_BODY', `${name}: refused`);
    t.match(error?.message, new RegExp(`not valid UTF-8 at byte offset ${offset}: `), `${name}: the detail names the offset`);
  }
});

t.test('firstInvalidUtf8 agrees with the decoder on 20 000 generated byte strings', async (t) => {
  const r = prng(13);
  // Mostly bytes near the boundaries of table 3-7, so that valid and invalid strings both occur.
  const interesting = [0x00, 0x22, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];
  let valid = 0;
  for (let i = 0; i < 20_000; i++) {
    const body = Buffer.from(Array.from({ length: r.int(0, 8) }, () => (r.next() < 0.7 ? r.pick(interesting) : r.int(0, 255))));
    const found = firstInvalidUtf8(body);
    if (isUtf8(body)) {
      valid++;
      if (found) t.fail(`#${i} ${body.toString('hex')} is valid, found ${JSON.stringify(found)}`);
      continue;
    }
    if (!found) {
      t.fail(`#${i} ${body.toString('hex')} is invalid, nothing found`);
      continue;
    }
    // Everything before the offset decodes; the decoder fails on what starts there.
    if (!isUtf8(body.subarray(0, found.offset))) t.fail(`#${i} ${body.toString('hex')}: bytes before offset ${found.offset} are not valid`);
    const replaced = new TextDecoder().decode(body.subarray(found.offset));
    if (!replaced.startsWith('\uFFFD')) t.fail(`#${i} ${body.toString('hex')}: the decoder does not fail at offset ${found.offset}`);
  }
  t.ok(valid > 1000 && valid < 19_000, `${valid} valid strings among them`);
});

t.test('valid UTF-8 bodies are decoded exactly, whatever their characters', async (t) => {
  const text = { a: 'é ü ñ ç', b: '绿茶 日本語 한국어', c: '😀 🍵 👩‍👩‍👧', d: 'e\u0301', e: '\u0000\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}' };
  t.same(runBytes(Buffer.from(JSON.stringify(text))), { error: null, value: text });
});

t.test('a leading byte order mark is dropped, and only there', async (t) => {
  t.same(runBytes(bytes([0xef, 0xbb, 0xbf], '{"a":"\uFEFF"}')), { error: null, value: { a: '\uFEFF' } });
  t.type(runBytes(bytes('{"a":1}', [0xef, 0xbb, 0xbf])).error, SyntaxError);
});

t.test('the duplicate-key check and the parser errors still apply to raw bodies', async (t) => {
  t.match(runBytes(Buffer.from('{"é":1,"\\u00e9":2}')).error, { code: 'HERALD_DUPLICATE_KEY', fieldErrors: [{ field: 'é' }] });
  t.type(runBytes(Buffer.from('{"a":')).error, SyntaxError);
});

t.test('charset parameters are read as RFC 9110 writes them', async (t) => {
  t.same(declaredCharsets('application/json'), []);
  t.same(declaredCharsets('application/json; charset=utf-8'), ['utf-8']);
  t.same(declaredCharsets('application/json;CHARSET="UTF-16"'), ['UTF-16']);
  t.same(declaredCharsets('application/json; foo="a;charset=latin1"; charset=utf-8'), ['utf-8']);
  t.same(declaredCharsets('application/json; foo; charset = latin1 ;x=y'), ['latin1']);
  t.same(declaredCharsets('application/json; charset="ut\\f-8"; charset=koi8-r'), ['utf-8', 'koi8-r']);
});

t.test('a charset other than UTF-8 is a 415 naming it; UTF-8 in any case, or none, is accepted', async (t) => {
  const body = Buffer.from('{"a":"b"}');
  for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', 'UTF-16LE', '"windows-1252"', 'utf8', 'us-ascii', '']) {
    const { error } = runBytes(body, `application/json; charset=${charset}`);
    t.ok(error instanceof HttpProblem && error.code === 'HERALD_UNSUPPORTED_MEDIA_TYPE', `charset=${charset} refused`);
    t.match(error?.message, `must be encoded in UTF-8, not charset=${charset.replaceAll('"', '')};`, `charset=${charset} named`);
  }
  for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="Utf-8"', 'application/merge-patch+json; charset=utf-8']) {
    t.same(runBytes(body, contentType), { error: null, value: { a: 'b' } }, contentType);
  }
  t.ok(charsetProblem(`application/json; charset=${'x'.repeat(500)}`)!.message.length < 160, 'a long charset is shortened');
});
