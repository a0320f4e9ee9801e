// Browser tests: Playwright drives the system's Chromium (see scripts/find-chrome.mjs); nothing is downloaded.
import { createHash } from 'node:crypto';
import { defaultReporter } from '@web/test-runner';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromeArgs, findChrome } from './scripts/find-chrome.mjs';
import { summaryReporter } from './scripts/wtr-summary-reporter.mjs';

export default {
  files: 'test/browser/**/*.test.ts',
  nodeResolve: true,
  // 'localhost' and '127.0.0.1' make the dev server listen on every interface; 127.0.0.2 is
  // loopback-only and still a secure context.
  hostname: '127.0.0.2',
  concurrency: 1,
  // test/browser/trusted-types.test.ts: its fixture page under the Content Security Policy ?csp= names.
  middleware: [
    storageStandIn,
    async (context, next) => {
      await next();
      if (context.path === '/test/browser/fixtures/trusted-types.html' && context.query.csp) context.set('Content-Security-Policy', context.query.csp);
    },
  ],
  plugins: [esbuildPlugin({ ts: true, tsconfig: './tsconfig.json', target: 'auto' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: findChrome(), headless: true, args: chromeArgs },
    }),
  ],
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
  testFramework: { config: { timeout: 10000 } },
  reporters: [defaultReporter(), summaryReporter()],
};

/**
 * /storage-stand-in/*: a storage host as S3 is to a presigned URL: it refuses any request carrying
 * `Authorization` (400, S3's own words), and answers an upload with the size and SHA-256 it received.
 */
async function storageStandIn(context, next) {
  if (!context.path.startsWith('/storage-stand-in/')) return next();
  if (context.get('authorization')) {
    context.status = 400;
    context.type = 'application/xml';
    context.body = '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>';
    return;
  }
  const chunks = [];
  for await (const chunk of context.req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  context.body = { method: context.method, size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}
