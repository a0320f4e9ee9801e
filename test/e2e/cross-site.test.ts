// The any-site sign-in end to end, in Chromium with third-party cookies BLOCKED: the demo page
// served as http://localhost:P (the embedding site) and the auth server and chat backend at
// http://127.0.0.1:P (another site: an IP address and localhost are different sites, the port never
// counts). Nothing but the partitioned credential may cross; the server counts what did.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromeArgs, findChrome } from '../../scripts/find-chrome.mjs';
import { pdf, png } from '../server/attachment-fixtures.js';
import { DemoPage, startDemo, uniqueEmail, type Demo } from './support.js';

const password = 'correct horse battery staple';

/**
 * A browser profile of its own (a persistent one: Chromium's off-the-record contexts block
 * third-party cookies whatever the setting), third-party cookies blocked or allowed by the
 * profile's cookie controls; each tab also gets the CDP switch (openEmbeddingPage).
 */
async function launchProfile({ block }: { block: boolean }): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-profile-'));
  mkdirSync(join(dir, 'Default'));
  writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: block ? 1 : 0 } }));
  const context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROME_PATH ?? findChrome(), args: chromeArgs });
  profiles.set(context, dir);
  return context;
}

const profiles = new WeakMap<BrowserContext, string>();

async function closeProfile(context: BrowserContext): Promise<void> {
  await context.close();
  rmSync(profiles.get(context)!, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/** A demo server and a browser profile for `use`, both ended after it, whatever happens. */
async function withDemo(
  { block, env, config }: { block: boolean; env?: Parameters<typeof startDemo>[0]; config?: Parameters<typeof startDemo>[1] },
  use: (demo: Demo, context: BrowserContext) => Promise<void>,
): Promise<void> {
  const demo = await startDemo(env, config);
  try {
    const context = await launchProfile({ block });
    try {
      await use(demo, context);
    } finally {
      await closeProfile(context);
    }
  } finally {
    await demo.stop();
  }
}

/** A third-party cookie of the kind such browsers refuse (unpartitioned, SameSite=None), set first-party. */
async function plantThirdPartyCookie(context: BrowserContext, demo: Demo): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${demo.url}/healthz`);
  await page.evaluate(() => (document.cookie = 'third_party=1; SameSite=None; Secure; Path=/'));
  await page.close();
}

/** The demo page on the embedding site, third-party cookies blocked (or allowed) in this tab. */
function openEmbeddingPage(context: BrowserContext, demo: Demo, { block = true, query = '?stand-in=1' } = {}): Promise<DemoPage> {
  return DemoPage.open(context, demo, query, {
    origin: `http://localhost:${demo.port}`,
    async setUp(page) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      // all three: older protocol versions require them; Chromium 156 reads the first
      await cdp.send('Network.setCookieControls', {
        enableThirdPartyCookieRestriction: block,
        disableThirdPartyCookieMetadata: true,
        disableThirdPartyCookieHeuristics: true,
      } as { enableThirdPartyCookieRestriction: boolean });
    },
  });
}

/** Every cookie of the profile, partitioned ones with their partition key. */
async function allCookies(page: Page): Promise<{ name: string; httpOnly: boolean; partitionKey?: { topLevelSite: string } }[]> {
  const cdp = await page.context().newCDPSession(page);
  return (await cdp.send('Storage.getCookies')).cookies as never;
}

/** Clicks the widget's Sign in and signs up inside the popup, up to its "Continue". */
async function signUpInPopup(page: Page, name: string): Promise<Page> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('auth-chatkit button[part=sign-in]').click()]);
  await popup.waitForLoadState();
  assert.equal(new URL(popup.url()).origin, new URL(page.url()).origin.replace('localhost', '127.0.0.1'), 'the popup is on the auth server');
  await popup.locator('#toggle').click();
  await popup.locator('#name').fill(name);
  await popup.locator('#email').fill(uniqueEmail(name.split(' ')[0]!.toLowerCase()));
  await popup.locator('#password').fill(password);
  await popup.locator('#submit').click();
  await popup.locator('#continue').waitFor();
  return popup;
}

/** Clicks the widget's Sign in, signs up inside the popup, continues: the popup closes. */
async function signUpThroughPopup(page: Page, name: string): Promise<Page> {
  const popup = await signUpInPopup(page, name);
  // listening before the click: the popup may close before a listener added after it
  const closed = popup.waitForEvent('close');
  await popup.locator('#continue').click();
  await closed;
  return popup;
}

/**
 * Answers the auth server's pages with `Cross-Origin-Opener-Policy: same-origin`, as `app.use(helmet())`
 * in front of Better Auth does; `fromLoad` 2: only once the user signed in (the page reloads), as a
 * `signInUrl` page with that header would.
 */
async function withCoop(context: BrowserContext, fromLoad = 1): Promise<void> {
  let loads = 0;
  await context.route('**/api/auth/embed?*', async route => {
    const response = await route.fetch();
    const coop: Record<string, string> = ++loads >= fromLoad ? { 'cross-origin-opener-policy': 'same-origin' } : {};
    await route.fulfill({ response, headers: { ...response.headers(), ...coop } });
  });
}

/** The browser keeps no partitioned cookie: the probe's cookie never arrives. */
async function refusePartitionedCookies(page: Page): Promise<void> {
  await page.route('**/api/auth/embed/probe', async route => {
    const response = await route.fetch();
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => name !== 'set-cookie'));
    await route.fulfill({ response, headers });
  });
}

describe('any site, end to end: third-party cookies blocked', () => {
  it('popup sign-in, tokens for four lifetimes, a reload with no popup, sign-out in both tabs, no cookie but the partitioned one', async () => {
    await withDemo({ block: true, env: { JWT_EXPIRATION: '6s' }, config: { clockToleranceSec: 0 } }, async (demo, context) => {
      await plantThirdPartyCookie(context, demo);
      const tab = await openEmbeddingPage(context, demo);
      const { page } = tab;
      await tab.waitForState('signed-out');
      assert.equal(await page.locator('#cross-site').isVisible(), true, 'the demo says it is on another site');
      // the element's script loads from the auth server's site too, as from a CDN
      await page.addScriptTag({ url: `${demo.url}/auth-chatkit.js?as-from-a-cdn`, type: 'module' });

      // A forged approval from the page itself (not the auth origin) changes nothing.
      const redeems: string[] = [];
      page.on('request', request => request.url().endsWith('/embed/redeem') && redeems.push(request.url()));
      await page.evaluate(() => window.postMessage({ type: 'auth-chatkit:approved', attempt: 'guess' }, '*'));

      await signUpThroughPopup(page, 'Barbara Liskov');
      await tab.waitForState('ready');
      assert.equal(redeems.length, 1, 'one redeem: the genuine approval');
      assert.match(await tab.send('whoami'), /Barbara Liskov/);

      // 6 s tokens for more than four lifetimes, chatting: never a 401
      const until = Date.now() + 25_000;
      while (Date.now() < until) {
        assert.match(await tab.send('still here?'), /You wrote/);
        await page.waitForTimeout(1_000);
      }
      const { tokens } = await tab.record();
      assert.ok(tokens.length >= 5, `${tokens.length} tokens`);
      assert.equal(demo.chatAnswers(401), 0);

      // The credential is an HttpOnly cookie in localhost's partition; the page holds nothing.
      const cookies = await allCookies(page);
      const embed = cookies.find(cookie => cookie.name.endsWith('chatkit_embed'));
      assert.ok(embed, `cookies: ${JSON.stringify(cookies.map(cookie => [cookie.name, cookie.partitionKey]))}`);
      assert.equal(embed.httpOnly, true);
      assert.equal(embed.partitionKey?.topLevelSite, 'http://localhost');
      assert.deepEqual(await page.evaluate(() => [sessionStorage.length, document.cookie]), [0, '']);

      // A reload: ready again, no popup.
      let popups = 0;
      page.on('popup', () => popups++);
      await page.reload();
      await tab.waitForState('ready');
      assert.equal(popups, 0);

      // A second tab, then sign-out in the first: both signed out.
      const other = await openEmbeddingPage(context, demo);
      await other.waitForState('ready');
      await page.locator('#embed-sign-out').click();
      await tab.waitForState('signed-out', 2_000);
      await other.waitForState('signed-out', 2_000);
      await page.reload();
      await tab.waitForState('signed-out');

      assert.equal(demo.stats.crossSiteRequestsWithOtherCookies, 0, 'no third-party cookie crossed');
      assert.deepEqual([...tab.pageErrors, ...other.pageErrors], []);
    });
  });

  it('attachments from another site: uploaded with the bearer to the backend, listed, previewed after a reload', async () => {
    await withDemo({ block: true }, async (demo, context) => {
      const tab = await openEmbeddingPage(context, demo);
      const { page } = tab;
      await tab.waitForState('signed-out');
      await signUpThroughPopup(page, 'Margaret Hamilton');
      await tab.waitForState('ready');
      await page.locator('openai-chatkit input[type=file]').setInputFiles([
        { name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from(png) },
        { name: 'paper.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) },
      ]);
      await page.locator('openai-chatkit .pending img[alt="dot.png"]').waitFor();
      const reply = await tab.send('Two files from another site');
      assert.match(reply, /You sent 2 files:\ndot\.png: image\/png, \d+ bytes, SHA-256 [0-9a-f]{12}\npaper\.pdf: application\/pdf/);
      await page.reload();
      await tab.waitForState('ready');
      await page.locator('openai-chatkit select').selectOption({ label: 'Two files from another site' });
      await page.waitForFunction(() => {
        const image = document.querySelector('auth-chatkit')!.shadowRoot!.querySelector('openai-chatkit')!.shadowRoot!.querySelector<HTMLImageElement>('li.user img');
        return image?.complete && image.naturalWidth === 1;
      });
      assert.equal(demo.stats.crossSiteRequestsWithOtherCookies, 0);
      assert.deepEqual(tab.pageErrors, []);
    });
  });

  it('control: with third-party cookies allowed the same harness sees one cross', async () => {
    await withDemo({ block: false }, async (demo, context) => {
      await plantThirdPartyCookie(context, demo);
      const tab = await openEmbeddingPage(context, demo, { block: false });
      await tab.waitForState('signed-out');
      assert.ok(demo.stats.crossSiteRequestsWithOtherCookies > 0, 'the planted third-party cookie crossed');
    });
  });

  it('where partitioned cookies are refused: a bearer credential, kept by credential-storage, survives a reload', async () => {
    await withDemo({ block: true }, async (demo, context) => {
      const tab = await openEmbeddingPage(context, demo, { query: '?stand-in=1&credential-storage=session' });
      const { page } = tab;
      await refusePartitionedCookies(page);
      await tab.waitForState('signed-out');
      await signUpThroughPopup(page, 'Frances Allen');
      await tab.waitForState('ready');
      assert.match(await tab.send('whoami'), /Frances Allen/);
      assert.equal((await allCookies(page)).some(cookie => cookie.name.endsWith('chatkit_embed')), false, 'no cookie: a bearer');
      assert.equal(await page.evaluate(() => sessionStorage.length), 1, 'the bearer credential, in this tab only');

      await page.reload();
      await tab.waitForState('ready');
      await page.locator('#embed-sign-out').click();
      await tab.waitForState('signed-out', 2_000);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      assert.deepEqual(tab.pageErrors, []);
    });
  });
  it('a script on the page: its own redeem of the approval fails without the verifier; a fetch it wraps sees no verifier and no credential', async () => {
    await withDemo({ block: true }, async (demo, context) => {
      const tab = await openEmbeddingPage(context, demo, { query: '?stand-in=1&credential-storage=memory' });
      const { page } = tab;
      await refusePartitionedCookies(page); // a bearer credential: the kind a script could use elsewhere
      await tab.waitForState('signed-out');
      // injected after the element loaded: wraps fetch, and redeems any approval it hears of itself
      await page.evaluate(authUrl => {
        const seen: string[] = [];
        const stolen: unknown[] = [];
        Object.assign(window, { seen, stolen });
        const original = window.fetch;
        window.fetch = (input, init) => (seen.push(`${String(input)} ${JSON.stringify(init?.headers ?? {})} ${String(init?.body ?? '')}`), original(input, init));
        window.addEventListener('message', async ({ data }) => {
          if (data?.type !== 'auth-chatkit:approved') return;
          const response = await original(`${authUrl}/embed/redeem`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ attempt: data.attempt, verifier: 'a'.repeat(43) }),
          });
          stolen.push(response.status, await response.json());
        });
      }, `${demo.url}/api/auth`);
      await signUpThroughPopup(page, 'Edsger Dijkstra');
      await tab.waitForState('ready');
      const { seen, stolen } = (await page.evaluate(() => ({ seen: (window as never as { seen: string[] }).seen, stolen: (window as never as { stolen: unknown[] }).stolen }))) as {
        seen: string[];
        stolen: unknown[];
      };
      assert.equal(stolen[0], 400, JSON.stringify(stolen));
      assert.equal((stolen[1] as { code: string }).code, 'INVALID_ATTEMPT');
      assert.deepEqual(seen.filter(line => line.includes('/api/auth/')), [], 'the element’s requests go with the fetch it captured at load');
      assert.match(await tab.send('whoami'), /Edsger Dijkstra/);
      assert.deepEqual(tab.pageErrors, []);
    });
  });

  it('a Cross-Origin-Opener-Policy on the auth server: the popup says so at once, and the sign-in still completes', async () => {
    await withDemo({ block: true }, async (demo, context) => {
      await withCoop(context);
      const tab = await openEmbeddingPage(context, demo);
      const { page } = tab;
      await tab.waitForState('signed-out');
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('auth-chatkit button[part=sign-in]').click()]);
      await popup.waitForLoadState();
      assert.equal(await popup.evaluate(() => window.opener), null, 'severed');
      assert.match((await popup.locator('#message').textContent()) ?? '', /lost its link to localhost.*Cross-Origin-Opener-Policy: unsafe-none/, 'said before any password');
      await popup.locator('#toggle').click();
      await popup.locator('#name').fill('Tony Hoare');
      await popup.locator('#email').fill(uniqueEmail('tony'));
      await popup.locator('#password').fill(password);
      await popup.locator('#submit').click();
      await popup.locator('#continue').click();
      await tab.waitForState('ready', 10_000);
      assert.match(await tab.send('whoami'), /Tony Hoare/);
      const { widgetErrors } = await tab.record();
      assert.deepEqual(widgetErrors.map(error => error.code), ['popup-no-opener']);
    });
  });

  it('a reload while the popup is open: the reloaded page finishes the sign-in', async () => {
    await withDemo({ block: true }, async (demo, context) => {
      const tab = await openEmbeddingPage(context, demo);
      const { page } = tab;
      await tab.waitForState('signed-out');
      const popup = await signUpInPopup(page, 'Niklaus Wirth');
      await page.reload();
      await tab.waitForState('signed-out');
      await popup.locator('#continue').click();
      await tab.waitForState('ready', 10_000);
      assert.match(await tab.send('whoami'), /Niklaus Wirth/);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the attempt is gone once redeemed');
    });
  });
  it('a Cross-Origin-Opener-Policy met only after the sign-in (a signInUrl page): the sign-in still completes', async () => {
    await withDemo({ block: true }, async (demo, context) => {
      await withCoop(context, 2);
      const tab = await openEmbeddingPage(context, demo);
      const { page } = tab;
      await tab.waitForState('signed-out');
      const popup = await signUpInPopup(page, 'Barbara Grosz');
      assert.equal(await popup.evaluate(() => window.opener), null, 'severed by the reload after signing up');
      await page.waitForTimeout(3_000); // the element has seen the popup read closed by now
      await popup.locator('#continue').click();
      await tab.waitForState('ready', 10_000);
      assert.match(await tab.send('whoami'), /Barbara Grosz/);
    });
  });
});
