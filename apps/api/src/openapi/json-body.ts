import type { FastifyBodyParser, FastifyRequest } from 'fastify';
import { HttpProblem, type FieldError } from '../errors.js';

/**
 * JSON bodies with a key given twice in one object are refused: `JSON.parse` keeps the last value
 * silently, so `{"stock": 5, "stock": 500}` would mean whatever the last writer of the text chose.
 *
 * The check costs one scan of the text in the usual case: every member of an object has exactly
 * one `:` outside strings, so a text without duplicates has as many such colons as the parsed
 * value has keys. Only when the two counts differ is the text walked again to name the keys.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Number of `:` outside string literals in a JSON text (the number of object members it holds). */
function memberCount(text: string): number {
  let count = 0;
  let index = text.indexOf(':') === -1 ? text.length : 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      // Skip the string: a quote preceded by an odd run of backslashes is escaped.
      index++;
      for (;;) {
        const end = text.indexOf('"', index);
        if (end === -1) return count;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        index = end + 1;
        if (backslashes % 2 === 0) break;
      }
      continue;
    }
    if (code === COLON) count++;
    index++;
  }
  return count;
}

/** Number of keys of every object in a parsed value, walked without recursion (bodies may nest deeply). */
function keyCount(value: unknown): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === 'object') pending.push(item);
      continue;
    }
    const keys = Object.keys(node);
    count += keys.length;
    for (const key of keys) {
      const inner = (node as Record<string, unknown>)[key];
      if (inner !== null && typeof inner === 'object') pending.push(inner);
    }
  }
  return count;
}

/** At most this many duplicates are named in one response. */
const MAX_NAMED = 20;

/** An object or array being walked; `label` is where it sits in its parent (a key or an index). */
type Frame = { parent: Frame | undefined; label: string | undefined } & (
  | { kind: 'object'; keys: Set<string>; key: string }
  | { kind: 'array'; index: number }
);

function pathOf(frame: Frame | undefined, last: string): string {
  const segments = [last];
  for (let at = frame; at?.label !== undefined; at = at.parent) segments.push(at.label);
  return segments.reverse().join('.');
}

/**
 * Walks a JSON text already known to be valid and returns the dotted paths of keys given more than
 * once in their object (`price.amount`, `event_ids.2.x`). Iterative, and linear in the text.
 */
export function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  let top: Frame | undefined;
  const labelOfChild = (): string | undefined =>
    top === undefined ? undefined : top.kind === 'object' ? top.key : String(top.index);
  let expectKey = false;
  let index = 0;
  while (index < text.length && found.length < MAX_NAMED) {
    const char = text[index]!;
    if (char === '"') {
      let end = index + 1;
      for (;;) {
        end = text.indexOf('"', end);
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end++;
      }
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (top.keys.has(key)) found.push(pathOf(top, key));
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      index = end + 1;
      continue;
    }
    if (char === '{') {
      top = { kind: 'object', keys: new Set(), key: '', parent: top, label: labelOfChild() };
      expectKey = true;
    } else if (char === '[') {
      top = { kind: 'array', index: 0, parent: top, label: labelOfChild() };
    } else if (char === '}' || char === ']') {
      top = top?.parent;
    } else if (char === ',') {
      if (top?.kind === 'object') expectKey = true;
      else if (top) top.index++;
    }
    index++;
  }
  return found;
}

/** The problem for a body that repeats keys, naming each. */
export function duplicateKeyProblem(paths: readonly string[]): HttpProblem {
  const fieldErrors: FieldError[] = paths.map((field) => ({ in: 'body', field, message: 'is given more than once' }));
  return new HttpProblem(
    'HERALD_DUPLICATE_KEY',
    `the JSON body gives ${paths.map((p) => `"${p}"`).join(', ')} more than once; each key may appear once per object`,
    fieldErrors,
  );
}

/**
 * Wraps Fastify's JSON parser (which already refuses `__proto__` and `constructor.prototype`) so
 * that it also refuses duplicate keys, at any depth.
 */
export function rejectDuplicateKeys(parse: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (request: FastifyRequest, body: string, done) => {
    parse(request, body, (error, value) => {
      if (error) return done(error, undefined);
      if (value !== null && typeof value === 'object' && memberCount(body) !== keyCount(value)) {
        const paths = duplicateKeys(body);
        if (paths.length > 0) return done(duplicateKeyProblem(paths), undefined);
      }
      done(null, value);
    });
  };
}
