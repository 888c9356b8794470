/**
 * Seconds to wait from a `Retry-After` header: either a number of seconds or an HTTP date.
 * Undefined when the header is missing or unreadable.
 */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  if (!/[a-z]/i.test(value)) return undefined; // not a number of seconds, and no HTTP date either
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
