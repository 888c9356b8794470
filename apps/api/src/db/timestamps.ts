import pg from 'pg';

/** How pg parses a `timestamptz` by default (postgres-date: general, and regular-expression based). */
export const parseAnyTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date | number | null;

const DIGIT_0 = 48;

/** The number written by the digits text[from, to), or NaN when one of them is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A `timestamptz` as PostgreSQL prints it, e.g. `2026-12-01 10:56:54.625123+00` (or `+05:30`), as
 * a Date. Every product, post and account row carries two of them, and parsing them with pg's
 * default (three regular expressions per value) cost more CPU than anything else in a list read.
 * So the shape PostgreSQL always uses for years 1000–9999 is read by position; anything else
 * (other years, BC, infinity, a session DateStyle other than ISO) goes to the default parser,
 * so the result is the same Date in every case.
 */
export function parseTimestamptz(text: string): Date | number | null {
  const length = text.length;
  // `YYYY-MM-DD HH:MM:SS` then an optional `.f` to `.ffffff`, then `±HH` or `±HH:MM`.
  if (
    length < 22 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 /* space */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  ) {
    return parseAnyTimestamptz(text);
  }
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46 /* . */) {
    const start = ++at;
    while (at < length && text.charCodeAt(at) >= DIGIT_0 && text.charCodeAt(at) <= DIGIT_0 + 9) at++;
    const count = at - start;
    if (count === 0 || count > 6) return parseAnyTimestamptz(text);
    // Milliseconds, truncated as Date truncates the default parser's fractional milliseconds.
    ms = count >= 3 ? digits(text, start, start + 3) : digits(text, start, at) * (count === 1 ? 100 : 10);
  }
  const sign = text.charCodeAt(at);
  const zoneLength = length - at;
  if ((sign !== 43 /* + */ && sign !== 45) || (zoneLength !== 3 && (zoneLength !== 6 || text.charCodeAt(at + 3) !== 58))) {
    return parseAnyTimestamptz(text);
  }
  const year = digits(text, 0, 4);
  const offsetMinutes = digits(text, at + 1, at + 3) * 60 + (zoneLength === 6 ? digits(text, at + 4, at + 6) : 0);
  const utc = Date.UTC(
    year,
    digits(text, 5, 7) - 1,
    digits(text, 8, 10),
    digits(text, 11, 13),
    digits(text, 14, 16),
    digits(text, 17, 19),
    ms,
  );
  // NaN: a character that is not a digit where one belongs. Years below 1000 are left to the
  // default parser, which knows that Date.UTC reads years 0–99 as 1900–1999.
  if (Number.isNaN(utc) || Number.isNaN(offsetMinutes) || year < 1000) return parseAnyTimestamptz(text);
  return new Date(utc - (sign === 45 ? -offsetMinutes : offsetMinutes) * 60_000);
}
