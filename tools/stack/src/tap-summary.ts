import { Parser, type Result } from 'tap-parser';

export interface TapCounts {
  passed: number;
  failed: number;
  /** Skipped and todo test points. */
  skipped: number;
  bailedOut: boolean;
}

interface Level {
  points: number;
  failures: number;
  parent: Level | undefined;
}

function bump(level: Level, failed: boolean): void {
  for (let l: Level | undefined = level; l; l = l.parent) {
    l.points++;
    if (failed) l.failures++;
  }
}

/**
 * Counts leaf test points: assertions, plus subtests that have no points of
 * their own (skipped or todo subtests, files that crashed before asserting).
 *
 * A subtest's own summary point (`not ok 1 - file.test.ts`) is not counted
 * again when its children were counted, except when it failed although none of
 * its children did: a test file that exited non-zero or timed out after
 * passing assertions, or a plan mismatch. That case counts as one failure, so a
 * failure tap reports can never disappear from the summary.
 */
function attach(parser: Parser, level: Level, counts: TapCounts): void {
  let pending: { name: string; level: Level } | undefined;
  parser.on('child', (child: Parser) => {
    pending = { name: child.name, level: { points: 0, failures: 0, parent: level } };
    attach(child, pending.level, counts);
  });
  parser.on('assert', (result: Result) => {
    // A subtest that never finished (e.g. its file was killed) has no summary
    // point, so the next point only belongs to it if the names match.
    const sub = pending?.name === result.name ? pending.level : undefined;
    pending = undefined;
    if (sub && sub.points > 0) {
      if (!result.ok && !result.todo && !result.skip && sub.failures === 0) {
        counts.failed++;
        bump(level, true);
      }
      return;
    }
    if (result.skip || result.todo) {
      counts.skipped++;
      bump(level, false);
    } else if (result.ok) {
      counts.passed++;
      bump(level, false);
    } else {
      counts.failed++;
      bump(level, true);
    }
  });
  parser.on('bailout', () => {
    counts.bailedOut = true;
  });
}

/** A writable TAP parser; `counts` is final once `done` resolves. */
export function createTapCounter(): { parser: Parser; counts: TapCounts; done: Promise<TapCounts> } {
  const counts: TapCounts = { passed: 0, failed: 0, skipped: 0, bailedOut: false };
  const parser = new Parser();
  attach(parser, { points: 0, failures: 0, parent: undefined }, counts);
  const done = new Promise<TapCounts>((resolve) => parser.on('complete', () => resolve(counts)));
  return { parser, counts, done };
}

export async function countTap(tap: string): Promise<TapCounts> {
  const { parser, done } = createTapCounter();
  parser.end(tap);
  return done;
}

export function summaryLine(counts: TapCounts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}
