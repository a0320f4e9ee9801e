// A node:test reporter that only counts leaf tests (not suites) and writes the counts as JSON; used
// beside the spec reporter by scripts/test.mjs. A file that fails to load shows up as a failed test.
export default async function* countReporter(source) {
  const acc = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { details, skip, todo } = event.data;
    if (details?.type === 'suite' && event.type === 'test:pass') continue;
    if (details?.type === 'suite' && !isOwnFailure(details)) continue;
    if (skip || todo) acc.skipped++;
    else if (event.type === 'test:pass') acc.passed++;
    else acc.failed++;
  }
  yield JSON.stringify(acc);
}

// A suite fails when one of its tests fails (already counted) or when its own hook or body throws
// (counted here, so an error outside any test is never lost).
function isOwnFailure(details) {
  return details.error?.failureType !== 'subtestsFailed';
}
