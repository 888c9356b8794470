import type { Timers } from '../../src/stream/timers.js';

/** Timers that fire only when the test advances the clock. */
export interface FakeTimers extends Timers {
  now: number;
  advance(ms: number): void;
  /** Delays of the timers still pending, soonest first. */
  pending(): number[];
}

export function createFakeTimers(): FakeTimers {
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const fake: FakeTimers = {
    now: 0,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: fake.now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const until = fake.now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        fake.now = due[1].at;
        due[1].callback();
      }
      fake.now = until;
    },
    pending: () => [...timers.values()].map((t) => t.at - fake.now).sort((a, b) => a - b),
  };
  return fake;
}
