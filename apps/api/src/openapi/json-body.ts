import type { FastifyBodyParser, FastifyRequest } from 'fastify';
import { HttpProblem, type FieldError } from '../errors.js';

/**
 * JSON bodies are UTF-8 (RFC 8259 §8.1), checked byte for byte before they are parsed: a body that
 * is not valid UTF-8 is a 400 naming the offset of the first bad byte, and a Content-Type declaring
 * another charset is a 415. Decoded leniently, such a body would be stored with U+FFFD in place of
 * what the client meant. A leading byte order mark is accepted and dropped, as RFC 8259 allows.
 */

/** Fatal: any ill-formed sequence throws instead of becoming U+FFFD. It drops a leading BOM. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const hex = (byte: number) => `0x${byte.toString(16).padStart(2, '0')}`;

/**
 * The first ill-formed sequence of `bytes` (Unicode §3.9, table 3-7): the offset of the byte it
 * starts at and what is wrong with it; `undefined` when `bytes` is valid UTF-8. Only bodies the
 * decoder has refused are scanned, so this may be plain and slow.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; reason: string } | undefined {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    let continuations: number;
    // The range of the byte after the lead; the later ones are always 0x80..0xbf.
    let low = 0x80;
    let high = 0xbf;
    if (lead <= 0xbf) return { offset: index, reason: `byte ${hex(lead)} is a continuation byte with no lead byte before it` };
    if (lead <= 0xc1) return { offset: index, reason: `byte ${hex(lead)} can only start an overlong encoding` };
    if (lead <= 0xdf) continuations = 1;
    else if (lead <= 0xef) {
      continuations = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead <= 0xf4) {
      continuations = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return { offset: index, reason: `byte ${hex(lead)} never appears in UTF-8` };

    for (let k = 1; k <= continuations; k++) {
      const sequence = Array.from(bytes.subarray(index, index + k + 1), hex).join(' ');
      if (index + k >= bytes.length) {
        return { offset: index, reason: `the sequence ${Array.from(bytes.subarray(index), hex).join(' ')} is cut short by the end of the body` };
      }
      const byte = bytes[index + k]!;
      const inRange = k === 1 ? byte >= low && byte <= high : byte >= 0x80 && byte <= 0xbf;
      if (inRange) continue;
      if (k === 1 && byte >= 0x80 && byte <= 0xbf) {
        const what = lead === 0xed ? 'a UTF-16 surrogate (U+D800..U+DFFF)' : lead === 0xf4 ? 'a code point above U+10FFFF' : 'an overlong encoding';
        return { offset: index, reason: `the sequence ${sequence} starts ${what}` };
      }
      return {
        offset: index,
        reason: `the sequence ${Array.from(bytes.subarray(index, index + k), hex).join(' ')} is cut short by byte ${hex(byte)}`,
      };
    }
    index += continuations + 1;
  }
  return undefined;
}

/** The 400 for a body that is not UTF-8, naming where it stops being so. */
export function invalidUtf8Problem(bytes: Uint8Array): HttpProblem {
  const found = firstInvalidUtf8(bytes);
  return new HttpProblem(
    'HERALD_MALFORMED_BODY',
    found === undefined
      ? 'the request body is not valid UTF-8'
      : `the request body is not valid UTF-8 at byte offset ${found.offset}: ${found.reason}`,
  );
}

/**
 * The `charset` parameters of a Content-Type value (RFC 9110 §8.3.1: the name is case-insensitive,
 * the value a token or a quoted string). Other parameters are skipped, quoted `;` included.
 */
export function declaredCharsets(contentType: string): string[] {
  const found: string[] = [];
  let index = contentType.indexOf(';');
  while (index !== -1 && index < contentType.length) {
    const equals = contentType.indexOf('=', index);
    const next = contentType.indexOf(';', index + 1);
    if (equals === -1) break;
    if (next !== -1 && next < equals) {
      index = next;
      continue;
    }
    const name = contentType.slice(index + 1, equals).trim().toLowerCase();
    let at = equals + 1;
    while (contentType[at] === ' ' || contentType[at] === '\t') at++;
    let value = '';
    if (contentType[at] === '"') {
      for (at++; at < contentType.length && contentType[at] !== '"'; at++) {
        if (contentType[at] === '\\') at++;
        value += contentType[at] ?? '';
      }
      index = contentType.indexOf(';', at);
    } else {
      index = contentType.indexOf(';', at);
      value = contentType.slice(at, index === -1 ? undefined : index).trim();
    }
    if (name === 'charset') found.push(value);
  }
  return found;
}

/** The one parameter clients commonly send, recognised without parsing the header. */
const ONLY_UTF8 = /^[^;"]*;\s*charset=(?:utf-8|"utf-8")\s*$/i;

/** The 415 for a Content-Type declaring a charset other than UTF-8, or `undefined` when it declares none or UTF-8. */
export function charsetProblem(contentType: string): HttpProblem | undefined {
  if (ONLY_UTF8.test(contentType)) return undefined;
  const other = declaredCharsets(contentType).find((charset) => charset.toLowerCase() !== 'utf-8');
  if (other === undefined) return undefined;
  const named = other.length > 40 ? `${other.slice(0, 40)}…` : other;
  return new HttpProblem(
    'HERALD_UNSUPPORTED_MEDIA_TYPE',
    `the request body must be encoded in UTF-8, not charset=${named}; send charset=utf-8 or no charset`,
  );
}

/**
 * Wraps a JSON text parser into one of raw bodies (`parseAs: 'buffer'`): it refuses a charset
 * other than UTF-8 (415) and bytes that are not UTF-8 (400), then hands the decoded text on.
 */
export function requireUtf8(parse: FastifyBodyParser<string>): FastifyBodyParser<Buffer> {
  return (request: FastifyRequest, body: Buffer, done) => {
    const contentType = request.headers['content-type'];
    // Parameters are rare: most requests skip the parsing of the header altogether.
    if (contentType !== undefined && contentType.includes(';')) {
      const problem = charsetProblem(contentType);
      if (problem) return done(problem, undefined);
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(invalidUtf8Problem(body), undefined);
    }
    parse(request, text, done);
  };
}

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
