import { Parser, type Result } from 'tap-parser';

export interface TapCounts {
  passed: number;
  failed: number;
  /** Skipped and todo test points. */
  skipped: number;
  bailedOut: boolean;
  /** Each failed point as its path: file > subtest > ... > assertion. */
  failures: string[];
}

interface Level {
  name: string | undefined;
  points: number;
  failures: number;
  parent: Level | undefined;
}

function pathOf(level: Level, name: string): string {
  const names = [name || '(unnamed)'];
  for (let l: Level | undefined = level; l; l = l.parent) if (l.name) names.unshift(l.name);
  return names.join(' > ');
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
    pending = { name: child.name, level: { name: child.name, points: 0, failures: 0, parent: level } };
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
        counts.failures.push(pathOf(level, result.name));
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
      counts.failures.push(pathOf(level, result.name));
      bump(level, true);
    }
  });
  parser.on('bailout', () => {
    counts.bailedOut = true;
  });
}

/** A writable TAP parser; `counts` is final once `done` resolves. */
export function createTapCounter(): { parser: Parser; counts: TapCounts; done: Promise<TapCounts> } {
  const counts: TapCounts = { passed: 0, failed: 0, skipped: 0, bailedOut: false, failures: [] };
  const parser = new Parser();
  attach(parser, { name: undefined, points: 0, failures: 0, parent: undefined }, counts);
  const done = new Promise<TapCounts>((resolve) => parser.on('complete', () => resolve(counts)));
  return { parser, counts, done };
}

export async function countTap(tap: string): Promise<TapCounts> {
  const { parser, done } = createTapCounter();
  parser.end(tap);
  return done;
}

/**
 * One line per failed point, printed before the summary so that the tail of a long run says
 * what failed (CI keeps only the tail of its output).
 */
export function failureLines(counts: TapCounts): string[] {
  return counts.failures.map((path) => `# failed: ${path}`);
}

export function summaryLine(counts: Pick<TapCounts, 'passed' | 'failed' | 'skipped'>): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}
