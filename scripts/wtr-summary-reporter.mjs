// Counts web-test-runner results. With TEST_COUNTS_FILE set (scripts/test.mjs sets it) the counts go
// there as JSON for the overall summary; otherwise "N passed, N failed" is printed as the last line.
import { writeFileSync } from 'node:fs';

function count(suite, acc) {
  for (const test of suite.tests ?? []) {
    if (test.skipped) acc.skipped++;
    else if (test.passed) acc.passed++;
    else acc.failed++;
  }
  for (const child of suite.suites ?? []) count(child, acc);
  return acc;
}

export function summaryReporter() {
  return {
    stop({ sessions }) {
      const acc = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        const failedBefore = acc.failed;
        if (session.testResults) count(session.testResults, acc);
        // A file that failed to load (or threw outside a test) has no failing test: count it as one.
        if (!session.passed && acc.failed === failedBefore) acc.failed++;
      }
      if (sessions.length === 0) acc.failed++;
      const file = process.env.TEST_COUNTS_FILE;
      if (file) {
        writeFileSync(file, JSON.stringify(acc));
        return;
      }
      const skipped = acc.skipped ? `, ${acc.skipped} skipped` : '';
      // The default reporter's dynamic terminal flushes after stop(): print at exit to be last.
      process.once('exit', () => process.stdout.write(`\n${acc.passed} passed, ${acc.failed} failed${skipped}\n`));
    },
  };
}
