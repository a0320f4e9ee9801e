// The built files the benchmarks use: dist/auth-chatkit.js, dist/chatkit-stand-in.js, dist/demo/demo.js.
// Built (bundles only: scripts/build.mjs buildBundles) when one is missing, or always with --build /
// BENCH_BUILD=1. A normal run leaves an existing dist alone: someone else's tests may be reading it.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildBundles } from '../../scripts/build.mjs';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export const builtFiles = ['dist/auth-chatkit.js', 'dist/chatkit-stand-in.js', 'dist/demo/demo.js'];

export const forceBuild = process.env.BENCH_BUILD === '1' || process.argv.includes('--build');

let built: Promise<string> | undefined;

/** Makes sure the bundles exist; says how they came to be (for the results). */
export function ensureBuilt(): Promise<string> {
  built ??= (async () => {
    const missing = builtFiles.filter(file => !existsSync(`${root}${file}`));
    if (!forceBuild && missing.length === 0) {
      const at = statSync(`${root}dist/auth-chatkit.js`).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
      return `existing build of ${at}`;
    }
    console.log(forceBuild ? 'building the bundles (--build)...' : `building the bundles (missing: ${missing.join(', ')})...`);
    await buildBundles({ quiet: true });
    return `built by the benchmark at ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`;
  })();
  return built;
}
