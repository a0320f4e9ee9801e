// Benchmark 6: what the launcher costs before anyone wants to chat, and how soon the chat is there
// once someone does.
//   node --import tsx bench/launcher.ts      (BENCH_LAUNCHER_RUNS=n; Chromium from CHROME_PATH or the system)
// Headless Chromium against the demo backend in this process, one signed-up account's session cookie
// in the browser context, the offline ChatKit stand-in. The host page is the smallest there is, at
// the demo's origin: the element's script tag and `<auth-chatkit mode="launcher">`, nothing else.
//   before intent  the page loaded and quiet (network idle, then 500 ms): every request and the bytes
//                  received, against the same page with loading="eager"
//   click → ready  on a settled page, each run on a fresh page: the click on the launcher to
//                  `auth-chatkit-ready` (ChatKit mounted in the open panel; 0 when it was there before
//                  the click), three ways: a click with no pointer before it (`element.click()`, as
//                  assistive technology may click), a real mouse click (the pointer arrives and
//                  clicks at once), and a real click after the pointer rested on the launcher for
//                  `BENCH_LAUNCHER_DWELL` ms (300: an assumed, typical pause before a click)
//   alone          the token round trip and the stand-in load on a settled page (bench/ready.ts)
// Budget: before intent, the element's script and nothing else.
import type { BrowserContext, Page, Request } from 'playwright-core';
import { bundleSize } from '../scripts/build.mjs';
import { ensureBuilt } from './lib/build.js';
import { median, num, percentile, setting, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { signedInDemo } from './lib/demo-browser.js';
import { measureAlone, type Alone } from './ready.js';

const runs = setting('BENCH_LAUNCHER_RUNS', 20, 4);
const warmups = setting('BENCH_LAUNCHER_WARMUPS', 2, 1);
const dwellMs = setting('BENCH_LAUNCHER_DWELL', 300, 300);
const hostPath = '/bench-launcher.html';

const hostPage = (loading: 'lazy' | 'eager') => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>launcher</title>
<link rel="icon" href="data:,"><script type="module" src="/auth-chatkit.js"></script></head>
<body><auth-chatkit mode="launcher" loading="${loading}" auth-url="/api/auth" api-url="/chatkit" chatkit-src="/chatkit-stand-in.js"></auth-chatkit></body></html>`;

// Runs in the page before its scripts: the click (captured before anything else hears it) and ready, in page time.
const hookClick = `(() => {
  const times = (window.benchTimes = {});
  document.addEventListener('click', () => { times.click ??= performance.now(); }, { capture: true });
  document.addEventListener('auth-chatkit-ready', () => { times.ready ??= performance.now(); });
})();`;

interface Received {
  path: string;
  bytes: number;
}

/** The host page, loaded and left alone until the network has been quiet for 500 ms: what it asked for. */
async function loadQuiet(context: BrowserContext, url: string, loading: 'lazy' | 'eager'): Promise<{ page: Page; received: Received[] }> {
  const page = await context.newPage();
  const requests: Request[] = [];
  page.on('request', request => requests.push(request));
  await page.addInitScript({ content: hookClick });
  await page.route(`${url}${hostPath}`, route => route.fulfill({ status: 200, contentType: 'text/html', body: hostPage(loading) }));
  await page.goto(`${url}${hostPath}`, { waitUntil: 'networkidle' });
  await page.waitForTimeout(500);
  const received = await Promise.all(
    requests.map(async request => {
      const sizes = await request.sizes().catch(() => ({ responseHeadersSize: 0, responseBodySize: 0 }));
      return { path: new URL(request.url()).pathname, bytes: sizes.responseHeadersSize + sizes.responseBodySize };
    }),
  );
  return { page, received };
}

type Click = 'no pointer' | 'mouse' | 'dwell';

/** Click → ready on a fresh, settled page (never negative: 0 when ChatKit was there before the click). */
async function measureClick(context: BrowserContext, url: string, how: Click): Promise<number> {
  const { page } = await loadQuiet(context, url, 'lazy');
  try {
    const launcher = page.locator('auth-chatkit [part=launcher]');
    if (how === 'no pointer') {
      await launcher.evaluate(button => (button as HTMLElement).click());
    } else {
      const box = (await launcher.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      if (how === 'dwell') await page.waitForTimeout(dwellMs);
      await page.mouse.down();
      await page.mouse.up();
    }
    await page.waitForFunction('window.benchTimes.ready !== undefined', undefined, { timeout: 15_000, polling: 50 });
    const { click, ready } = (await page.evaluate('window.benchTimes')) as { click: number; ready: number };
    return Math.max(0, ready - click);
  } finally {
    await page.close();
  }
}

export async function run(): Promise<BenchResult> {
  const provenance = await ensureBuilt();
  const demo = await signedInDemo('launcher');
  const { context, url } = demo;
  const version = demo.browser.version();
  const clicks: Record<Click, number[]> = { 'no pointer': [], mouse: [], dwell: [] };
  const alone: Alone[] = [];
  let lazy: Received[];
  let eager: Received[];
  try {
    const quiet = async (loading: 'lazy' | 'eager') => {
      const { page, received } = await loadQuiet(context, url, loading);
      await page.close();
      return received;
    };
    lazy = await quiet('lazy');
    eager = await quiet('eager');
    for (let i = 0; i < warmups + runs; i++) {
      const measured = {
        'no pointer': await measureClick(context, url, 'no pointer'),
        mouse: await measureClick(context, url, 'mouse'),
        dwell: await measureClick(context, url, 'dwell'),
        alone: await measureAlone(context, url, i % 2 === 0),
      };
      if (i < warmups) continue;
      for (const how of Object.keys(clicks) as Click[]) clicks[how].push(measured[how]);
      alone.push(measured.alone);
    }
  } finally {
    await demo.close();
  }

  const element = lazy.filter(request => request.path !== hostPath);
  const pass = element.length === 1 && element[0]!.path === '/auth-chatkit.js';
  const { gzip } = bundleSize();
  const listed = (received: Received[]) =>
    received.map(({ path, bytes }) => [path === hostPath ? 'the host page itself' : `\`${path}\``, num(bytes)]);
  const row = (label: string, values: number[]) => [label, num(median(values), 1), num(percentile(values, 90), 1), num(Math.min(...values), 1), num(Math.max(...values), 1)];
  const tokenMs = alone.map(a => a.token);
  const standInMs = alone.map(a => a.standIn);
  const slower = Math.max(median(tokenMs), median(standInMs));
  const body = [
    `Chromium ${version} headless, the demo backend in process on loopback, the offline stand-in; the host page is the element's script tag and ` +
      '`<auth-chatkit mode="launcher">` alone. Bytes as received (headers and body; the demo server does not compress: the script is ' +
      `${num(gzip)} bytes gzip -9). Bundles: ${provenance}.`,
    '',
    '**Before intent** (loaded, then quiet for 500 ms):',
    '',
    table(['request', 'bytes'], [...listed(lazy), ['**total**', num(lazy.reduce((sum, request) => sum + request.bytes, 0))]]),
    '',
    'The same page with `loading="eager"`:',
    '',
    table(['request', 'bytes'], [...listed(eager), ['**total**', num(eager.reduce((sum, request) => sum + request.bytes, 0))]]),
    '',
    `**Click on the launcher → ChatKit ready in the open panel** (${runs} runs after ${warmups} warm-up run(s), each on a fresh settled page; ms, performance.now in the page; 0: ready before the click):`,
    '',
    table(['', 'median', 'p90', 'min', 'max'], [
      row('click with no pointer before it (`element.click()`)', clicks['no pointer']),
      row('a real mouse click (the pointer arrives and clicks at once)', clicks.mouse),
      row(`a real click after the pointer rested ${num(dwellMs)} ms on the launcher`, clicks.dwell),
      row('alone: token round trip (`fetch(\'/api/auth/token\')` + JSON)', tokenMs),
      row('alone: stand-in script, insert → defined', standInMs),
    ]),
    '',
    `A click with no hover before it waits ${num(median(clicks['no pointer']), 1)} ms, ${num(median(clicks['no pointer']) / slower, 2)} x the slower of the two loads alone ` +
      `(${num(slower, 1)} ms); a real click, whose pointer arrives a moment before, ${num(median(clicks.mouse), 1)} ms; after a ${num(dwellMs)} ms rest ${num(median(clicks.dwell), 1)} ms.`,
  ].join('\n');
  return {
    name: 'launcher',
    title: '6. Launcher: cost before intent, click to ready',
    body,
    pass,
    verdict: verdictLine(
      pass,
      `before intent the page and ${element.map(request => request.path).join(', ')} (budget: the element's script only); ` +
        `click → ready ${num(median(clicks['no pointer']), 1)} ms with no hover, ${num(median(clicks.mouse), 1)} ms for a real click, ` +
        `${num(median(clicks.dwell), 1)} ms after a ${num(dwellMs)} ms hover (token alone ${num(median(tokenMs), 1)}, stand-in alone ${num(median(standInMs), 1)})`,
    ),
  };
}

standalone(import.meta.url, run);
