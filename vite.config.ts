// The script-tag build: ONE self-contained, minified ES module, dist/auth-chatkit.js, with lit, the
// Better Auth client and jose's decodeJwt bundled in. `npm run build` (scripts/build.mjs) runs this
// config, the package build for bundler users (tsc) and the demo bundles.
import { defineConfig } from 'vite';

const notice =
  '/*! auth-chatkit | bundles lit (BSD-3-Clause, Copyright 2017 Google LLC), better-auth, ' +
  'nanostores, @better-fetch/fetch, defu and jose (MIT); licenses: see node_modules/<name>/LICENSE */';

export default defineConfig({
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    lib: { entry: 'src/define.ts', formats: ['es'], fileName: () => 'auth-chatkit.js' },
    rolldownOptions: {
      output: { codeSplitting: false, minify: true, comments: false, banner: notice },
    },
  },
});
