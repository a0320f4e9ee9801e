// `npm test`: every suite of the project, then ONE closing line "N passed, N failed" summing them.
//   node scripts/test.mjs [server] [postgres] [browser] [e2e]   (no argument: all four)
// Suites: server (node:test, in-process demo backend on SQLite), postgres (the server files that
// exercise the store and auth again, on a throwaway PostgreSQL cluster, and test/postgres/: several
// instances, outages), browser (web-test-runner in Chromium), e2e (node:test + playwright-core against
// the built demo). Exits non-zero on any failure; a PostgreSQL that cannot be started is one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChrome } from './find-chrome.mjs';
import { buildBundles } from './build.mjs';
import { startCluster } from './postgres-cluster.mjs';

const suites = ['server', 'postgres', 'browser', 'e2e'];
// The server suites that exercise the chat store and Better Auth, run on both databases.
const bothStores = ['auth', 'cancel', 'chatkit-isolation', 'chatkit-readme', 'chatkit-store', 'isolation', 'protocol', 'requests', 'store'].map(name => join('test/server', `${name}.test.ts`));
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!suites.includes(name)) {
    console.error(`Unknown suite "${name}": use ${suites.join(', ')}.`);
    process.exit(2);
  }
}
const selected = wanted.length ? suites.filter(s => wanted.includes(s)) : suites;

let chromePath;
if (selected.some(s => s === 'browser' || s === 'e2e')) {
  try {
    chromePath = findChrome({ install: true });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'auth-chatkit-test-'));
const env = { ...process.env, ...(chromePath && { CHROME_PATH: chromePath }) };
const totals = { passed: 0, failed: 0, skipped: 0 };

const testFiles = dir =>
  readdirSync(dir)
    .filter(name => name.endsWith('.test.ts'))
    .sort()
    .map(name => join(dir, name));

function runNodeTests(name, files, extraEnv = {}) {
  const countsFile = join(scratch, `${name}.json`);
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/node-count-reporter.mjs', `--test-reporter-destination=${countsFile}`,
      ...files,
    ],
    { stdio: 'inherit', env: { ...env, ...extraEnv } },
  );
  return collect(name, countsFile, result.status);
}

async function runPostgresTests() {
  let cluster;
  try {
    cluster = await startCluster({ install: true });
  } catch (error) {
    console.error(`[postgres] ${error.message}`);
    return collect('postgres', join(scratch, 'no-cluster.json'), 1);
  }
  try {
    runNodeTests('postgres', [...bothStores, ...testFiles('test/postgres')], { TEST_DATABASE_URL: cluster.url });
  } finally {
    cluster.remove();
  }
}

function runBrowserTests() {
  const countsFile = join(scratch, 'browser.json');
  const result = spawnSync(
    process.execPath,
    ['node_modules/@web/test-runner/dist/bin.js', '--config', 'web-test-runner.config.mjs'],
    { stdio: 'inherit', env: { ...env, TEST_COUNTS_FILE: countsFile } },
  );
  return collect('browser', countsFile, result.status);
}

function collect(name, countsFile, status) {
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    // the runner died before reporting
  }
  // A runner that failed without a counted failure (crash, no files) still fails the run.
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  for (const key of Object.keys(totals)) totals[key] += counts[key] ?? 0;
  console.log(`[${name}] ${counts.passed} passed, ${counts.failed} failed`);
}

try {
  if (selected.includes('server')) runNodeTests('server', testFiles('test/server'));
  if (selected.includes('postgres')) await runPostgresTests();
  if (selected.includes('browser')) runBrowserTests();
  if (selected.includes('e2e')) {
    await buildBundles({ quiet: true });
    runNodeTests('e2e', testFiles('test/e2e'));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed > 0 ? 1 : 0);
