/**
 * How the main thread tells the publisher worker that events were committed without posting a
 * message per commit. Posting wakes the worker's thread (about 3 % of the main thread in write
 * profiles, one message per turn of the event loop); while the worker is busy publishing it does
 * not need waking: it reads the outbox again before it waits. So committers only set a flag in shared memory, and
 * post a message only when the worker has said it is about to wait.
 *
 * The handshake (sequentially consistent Atomics on both sides) cannot lose a commit: the main
 * thread sets PENDING and then reads SLEEPING; the worker sets SLEEPING and then reads PENDING.
 * Whatever the interleaving, at least one of them sees the other's write, so either the worker
 * skips its wait or the main thread posts a message (sometimes both: one extra cycle).
 */
const PENDING = 0;
const SLEEPING = 1;

/** The shared memory of one doorbell; pass it to the worker in its workerData. */
export const createDoorbellMemory = (): SharedArrayBuffer => new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);

/** The main thread's side. */
export class DoorbellButton {
  private readonly cells: Int32Array;

  constructor(memory: SharedArrayBuffer) {
    this.cells = new Int32Array(memory);
  }

  /** Records that events were committed; returns true when the worker must be woken by a message. */
  ring(): boolean {
    Atomics.store(this.cells, PENDING, 1);
    // Only the first ring after the worker went to sleep sends; it also marks the worker awake.
    return Atomics.compareExchange(this.cells, SLEEPING, 1, 0) === 1;
  }
}

/** The worker's side. */
export class DoorbellListener {
  private readonly cells: Int32Array;

  constructor(memory: SharedArrayBuffer) {
    this.cells = new Int32Array(memory);
  }

  /** Clears the rings so far: call it just before reading the outbox (which then sees their rows). */
  answer(): void {
    Atomics.store(this.cells, PENDING, 0);
  }

  /**
   * Says the worker is about to wait, so that committers message it. Returns false when a ring
   * came in since the last `answer()`: the worker must not wait, but read the outbox again.
   */
  goingToSleep(): boolean {
    Atomics.store(this.cells, SLEEPING, 1);
    if (Atomics.load(this.cells, PENDING) === 0) return true;
    Atomics.store(this.cells, SLEEPING, 0);
    return false;
  }

  /** The wait is over (a message, the sweep timer or a stop). */
  awake(): void {
    Atomics.store(this.cells, SLEEPING, 0);
  }
}
