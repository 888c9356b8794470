import { randomUUID } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter, then random bits.
 * Ids made by one process sort in the order they were made (the counter orders ids of the same
 * millisecond; when it runs out the clock is borrowed from, as RFC 9562 allows).
 *
 * The random part comes from `crypto.randomUUID()`, which draws from a cached entropy pool: about
 * 20 times cheaper than filling a fresh random buffer per id, which matters on the write path
 * where every created row and every event needs one.
 */
let lastMs = 0;
let counter = 0;

export function uuidv7(): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, variant bits already set
  let ms = Date.now();
  if (ms > lastMs) {
    // A fresh millisecond starts its counter at a random value in the lower half, leaving room
    // for many ids within the same millisecond before the clock has to be borrowed from.
    counter = Number.parseInt(random.slice(15, 18), 16) & 0x7ff;
    lastMs = ms;
  } else {
    counter += 1;
    if (counter > 0xfff) {
      counter = 0;
      lastMs += 1;
    }
    ms = lastMs;
  }
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}-${random.slice(19)}`;
}
