// Browser tests: Playwright drives the system's Chromium (see scripts/find-chrome.mjs); nothing is downloaded.
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
