/**
 * The last `capacity` items pushed, oldest first on read. Pushing is O(1) whatever the capacity:
 * the stream hub keeps thousands of recent events and pushes one per event on the API's loop,
 * where dropping the oldest from the front of an array would move all the others every time.
 */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  /** Where the next push goes; once full, also the oldest item. */
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a whole number ≥ 0 (got ${capacity})`);
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.capacity === 0) return;
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** A copy, oldest first. */
  toArray(): T[] {
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    const out = new Array<T>(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = this.#items[(start + i) % this.capacity] as T;
    return out;
  }
}
