import t from 'tap';
import { HttpProblem } from '../src/errors.js';
import { duplicateKeys, rejectDuplicateKeys } from '../src/openapi/json-body.js';

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
