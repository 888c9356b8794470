import t from 'tap';
import { countTap, failureLines, summaryLine } from '../src/tap-summary.js';

// Shapes of TAP that tap 21's runner really emits: files as subtests, nested
// subtests, buffered `{ }` subtests from parallel jobs, skip/todo, crashes.
const RUN = `TAP version 14
1..3
# Subtest: a.test.ts
    # Subtest: outer
        ok 1 - port
        not ok 2 - deliberate failure
          ---
          compare: ===
          ...
        # Subtest: inner
            ok 1 - inner pass
            ok 2 - inner pass 2
            1..2
        ok 3 - inner
        1..3
    not ok 1 - outer
    ok 2 - skipped # SKIP not now
    ok 3 - todo # TODO later
    ok 4 - top pass
    1..4
not ok 1 - a.test.ts
# Subtest: crash.test.ts
    ok 1 - before crash
    1..1
not ok 2 - crash.test.ts
  ---
  exitCode: 3
  ...
ok 3 - buffered.test.ts {
    ok 1 - one
    ok 2 - two
    1..2
}
`;

t.test('counts leaf test points across nesting levels', async (t) => {
  const counts = await countTap(RUN);
  // 4 + 1 + 2 passes; the failed assertion and the crashed file; skip + todo
  t.same(counts, {
    passed: 7,
    failed: 2,
    skipped: 2,
    bailedOut: false,
    failures: ['a.test.ts > outer > deliberate failure', 'crash.test.ts'],
  });
  t.equal(summaryLine(counts), '7 passed, 2 failed, 2 skipped');
  t.same(failureLines(counts), ['# failed: a.test.ts > outer > deliberate failure', '# failed: crash.test.ts']);
});

t.test('a file that fails before any assertion counts as one failure', async (t) => {
  const counts = await countTap(`TAP version 14\n1..1\n# Subtest: broken.test.ts\nnot ok 1 - broken.test.ts\n  ---\n  exitCode: 1\n  ...\n`);
  t.same(counts, { passed: 0, failed: 1, skipped: 0, bailedOut: false, failures: ['broken.test.ts'] });
});

t.test('a skipped file counts as skipped, not passed', async (t) => {
  const counts = await countTap(`TAP version 14\n1..1\n# Subtest: s.test.ts\n    1..0 # no stack\nok 1 - s.test.ts # SKIP no stack\n`);
  t.same(counts, { passed: 0, failed: 0, skipped: 1, bailedOut: false, failures: [] });
});

t.test('a subtest cut off by its file dying does not swallow the next point', async (t) => {
  const counts = await countTap(`TAP version 14
1..1
# Subtest: f.test.ts
    # Subtest: slow
        ok 1 - started
        not ok 2 - test unfinished
    not ok 2 - child test left in queue: next
    1..2
not ok 1 - f.test.ts
`);
  t.same(counts, {
    passed: 1,
    failed: 2,
    skipped: 0,
    bailedOut: false,
    failures: ['f.test.ts > slow > test unfinished', 'f.test.ts > child test left in queue: next'],
  });
});

t.test('bail out is reported', async (t) => {
  const counts = await countTap(`TAP version 14\n1..2\nok 1 - fine\nBail out! database down\n`);
  t.equal(counts.bailedOut, true);
  t.equal(counts.passed, 1);
});

t.test('empty input counts nothing', async (t) => {
  t.same(await countTap(''), { passed: 0, failed: 0, skipped: 0, bailedOut: false, failures: [] });
});
