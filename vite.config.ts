// The script-tag build: ONE self-contained, minified ES module, dist/auth-chatkit.js, with lit and
// the Better Auth client bundled in. `npm run build` (scripts/build.mjs) runs this config, the
// package build for bundler users (tsc) and the demo bundles.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const licenseFile = 'auth-chatkit.js.LICENSE.txt';

// Comments are stripped, so the licenses of the bundled packages (lit's BSD-3-Clause asks for its
// notice to ship with binary forms) go into a file beside the bundle, named by a one-line banner.
function bundledLicenses(): Plugin {
  return {
    name: 'bundled-licenses',
    generateBundle(_options, bundle) {
      const packages = new Map<string, string>();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const id of chunk.moduleIds) {
          const match = /^(.*node_modules\/(@[^/]+\/[^/]+|[^/]+))\//.exec(id);
          if (match?.[1] && match[2]) packages.set(match[2], match[1]);
        }
      }
      const sections = [...packages].sort().map(([name, dir]) => {
        const file = readdirSync(dir).find(entry => /^licen[cs]e/i.test(entry));
        const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${license}`;
        return `${name}@${version} (${license})\n\n${text}`;
      });
      const own = join(dirname(new URL(import.meta.url).pathname), 'LICENSE');
      if (existsSync(own)) sections.unshift(`auth-chatkit\n\n${readFileSync(own, 'utf8').trim()}`);
      this.emitFile({ type: 'asset', fileName: licenseFile, source: `${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n` });
    },
  };
}

// V8's explicit compile hint (Chrome 136+): nearly all of the bundle runs as soon as an element
// connects, so compiling it while the script streams in, off the main thread, and keeping it in the
// code cache, beats compiling each function on the main thread at its first call (measured: the
// token request leaves 3 ms sooner, bench/ready.ts). Must be the file's first line.
const compileHint = '//# allFunctionsCalledOnLoad';

export default defineConfig({
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [bundledLicenses()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    lib: { entry: 'src/define.ts', formats: ['es'], fileName: () => 'auth-chatkit.js' },
    rolldownOptions: {
      output: { codeSplitting: false, minify: true, comments: false, postBanner: `${compileHint}\n/*! auth-chatkit | licenses: ${licenseFile} */` },
    },
  },
});
