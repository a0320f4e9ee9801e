// `npm run build`:
//   dist/auth-chatkit.js        the self-contained script-tag file (vite.config.ts)
//   dist/lib/                   ESM + .d.ts for bundler users (lit and better-auth stay dependencies)
//   dist/lib/server/            ESM + .d.ts of auth-chatkit/server, the server-only entry (jose stays a dependency),
//                               and of its stores' entries auth-chatkit/server/sqlite and /postgres
//   dist/chatkit-stand-in.js    the offline <openai-chatkit> stand-in (a classic script, like ChatKit's)
//   dist/demo/demo.js           the demo page's own script (sign-up/in/out)
//   custom-elements.json        the Custom Elements Manifest named by package.json
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const production = { 'process.env.NODE_ENV': '"production"' };

/**
 * Runs `work` with NODE_ENV=production, restored after. Vite picks package export conditions
 * (lit's `development` build among them) from the caller's NODE_ENV: the shipped files must be the
 * same whatever the shell has.
 */
async function asProduction(work) {
  const callers = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await work();
  } finally {
    if (callers === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = callers;
  }
}

// The browser bundles the demo and the end-to-end tests need (no type declarations, no manifest).
export function buildBundles({ quiet = false, outDir = 'dist' } = {}) {
  return asProduction(() => buildAll(quiet ? 'warn' : 'info', outDir));
}

async function buildAll(logLevel, outDir) {
  await build({ root, configFile: `${root}vite.config.ts`, logLevel, build: { outDir } });
  await build({
    root,
    configFile: false,
    logLevel,
    define: production,
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      lib: { entry: 'demo/stand-in/chatkit-stand-in.ts', formats: ['iife'], name: 'chatKitStandIn', fileName: () => 'chatkit-stand-in.js' },
      rolldownOptions: { output: { codeSplitting: false, minify: true } },
    },
  });
  await build({
    root,
    configFile: false,
    logLevel,
    define: production,
    build: {
      outDir: `${outDir}/demo`,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry: 'demo/page/demo.ts', formats: ['es'], fileName: () => 'demo.js' },
      rolldownOptions: { output: { codeSplitting: false, minify: true } },
    },
  });
}

/** 22 KB, counted as 22,000 bytes (the stricter reading). */
export const bundleBudget = 22_000;

/** Raw and `gzip -9` sizes (GNU gzip when installed, as the budget is stated; zlib otherwise). */
export function bundleSize(file = `${root}dist/auth-chatkit.js`) {
  const bytes = readFileSync(file);
  let gzip;
  try {
    gzip = execFileSync('gzip', ['-9', '-c', '-n', file]).length;
  } catch {
    gzip = gzipSync(bytes, { level: 9 }).length;
  }
  return { raw: bytes.length, gzip, brotli: brotliCompressSync(bytes).length };
}

const bin = name => `${root}node_modules/.bin/${name}`;

/** The package's modules as published: dist/lib (the element's) and dist/lib/server (the server entry). */
export function buildLibraries() {
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('tsc'), ['-p', 'tsconfig.server.json'], { cwd: root, stdio: 'inherit' });
  // the SQLite and PostgreSQL stores (auth-chatkit/server/sqlite, /postgres): Node's types
  execFileSync(bin('tsc'), ['-p', 'tsconfig.server-node.json'], { cwd: root, stdio: 'inherit' });
}

async function main() {
  // `--bundles-only <dir>`: the browser bundles alone, into <dir> (the build test compares them).
  const only = process.argv.indexOf('--bundles-only');
  if (only !== -1) return buildBundles({ quiet: true, outDir: process.argv[only + 1] });
  await buildBundles();
  buildLibraries();
  execFileSync(bin('cem'), ['analyze'], { cwd: root, stdio: 'inherit' });
  const { raw, gzip } = bundleSize();
  const verdict = gzip <= bundleBudget ? 'within' : 'OVER';
  console.log(`dist/auth-chatkit.js: ${raw} bytes, ${gzip} bytes gzip -9 (${verdict} the 22 KB budget: ${bundleBudget} bytes)`);
  if (gzip > bundleBudget) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
