// The shipped script must not depend on the caller's environment: a shell with NODE_ENV=development
// (common) once built lit's development variant into dist/auth-chatkit.js, over the size budget.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

describe('build', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'auth-chatkit-build-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  async function bundleWith(nodeEnv: string | undefined): Promise<string> {
    const env = { ...process.env };
    if (nodeEnv === undefined) delete env.NODE_ENV;
    else env.NODE_ENV = nodeEnv;
    const outDir = join(scratch, nodeEnv ?? 'unset');
    await run(process.execPath, ['scripts/build.mjs', '--bundles-only', outDir], { cwd: root, env });
    return readFileSync(join(outDir, 'auth-chatkit.js'), 'utf8');
  }

  test('dist/auth-chatkit.js is the same whatever NODE_ENV the caller has', async () => {
    const unset = await bundleWith(undefined);
    assert.ok(!unset.includes('Lit is in dev mode'), 'the production build holds no lit dev-mode code');
    for (const nodeEnv of ['development', 'production', 'test']) {
      const built = await bundleWith(nodeEnv);
      assert.ok(built === unset, `NODE_ENV=${nodeEnv} built ${built.length} bytes where an unset NODE_ENV built ${unset.length}`);
    }
  });

  test('the build leaves the caller\'s NODE_ENV as it was', async () => {
    const { buildBundles } = await import('../../scripts/build.mjs');
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
    try {
      await buildBundles({ quiet: true, outDir: join(scratch, 'in-process') });
      assert.equal(process.env.NODE_ENV, 'development');
    } finally {
      if (before === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = before;
    }
  });
});
