// The built files the benchmarks use: dist/auth-chatkit.js, dist/chatkit-stand-in.js, dist/demo/demo.js.
// Built (bundles only: scripts/build.mjs buildBundles) when one is missing, or always with --build /
// BENCH_BUILD=1. A normal run leaves an existing dist alone: someone else's tests may be reading it.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export const builtFiles = ['dist/auth-chatkit.js', 'dist/chatkit-stand-in.js', 'dist/demo/demo.js'];

interface BuildModule {
  buildBundles(options?: { quiet?: boolean }): Promise<void>;
  bundleSize(file?: string): { raw: number; gzip: number; brotli: number };
  bundleBudget: number;
}

/** scripts/build.mjs, typed here (it ships no declarations; bench/ may not add files to scripts/). */
export async function buildModule(): Promise<BuildModule> {
  const specifier: string = new URL('../../scripts/build.mjs', import.meta.url).href;
  return (await import(specifier)) as BuildModule;
}

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
    // Vite sets NODE_ENV=production in this process while it builds; the servers started afterwards
    // (they inherit the environment) must run as `npm run demo` does, or Better Auth switches on its
    // production rate limits (3 sign-ups per 10 s per address) and the load benchmark cannot sign up.
    const nodeEnv = process.env.NODE_ENV;
    try {
      await (await buildModule()).buildBundles({ quiet: true });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    return `built by the benchmark at ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`;
  })();
  return built;
}
