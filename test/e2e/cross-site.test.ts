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

/** Clicks the widget's Sign in, signs up inside the popup, continues: the popup closes. */
async function signUpThroughPopup(page: Page, name: string): Promise<Page> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('auth-chatkit button[part=sign-in]').click()]);
  await popup.waitForLoadState();
  assert.equal(new URL(popup.url()).origin, new URL(page.url()).origin.replace('localhost', '127.0.0.1'), 'the popup is on the auth server');
  await popup.locator('#toggle').click();
  await popup.locator('#name').fill(name);
  await popup.locator('#email').fill(uniqueEmail(name.split(' ')[0]!.toLowerCase()));
  await popup.locator('#password').fill(password);
  await popup.locator('#submit').click();
  // listening before the click: the popup may close before a listener added after it
  const closed = popup.waitForEvent('close');
  await popup.locator('#continue').click();
  await closed;
  return popup;
}

describe('any site, end to end: third-party cookies blocked', () => {
  it('popup sign-in, tokens for four lifetimes, a reload with no popup, sign-out in both tabs, no cookie but the partitioned one', async () => {
    const demo = await startDemo({ JWT_EXPIRATION: '6s' }, { clockToleranceSec: 0 });
    const context = await launchProfile({ block: true });
    try {
      await plantThirdPartyCookie(context, demo);
      const tab = await openEmbeddingPage(context, demo);
      const { page } = tab;
      await tab.waitForState('signed-out');
      assert.equal(await page.locator('#cross-site').isVisible(), true, 'the demo says it is on another site');
      // the element's script loads from the auth server's site too, as from a CDN
      await page.addScriptTag({ url: `${demo.url}/auth-chatkit.js?as-from-a-cdn`, type: 'module' });

      // A forged code from the page itself (not the popup, not the auth origin) changes nothing.
      const redeems: string[] = [];
      page.on('request', request => request.url().endsWith('/embed/redeem') && redeems.push(request.url()));
      await page.evaluate(() => window.postMessage({ type: 'auth-chatkit:code', nonce: 'guess', code: 'forged' }, '*'));

      await signUpThroughPopup(page, 'Barbara Liskov');
      await tab.waitForState('ready');
      assert.equal(redeems.length, 1, 'one redeem: the genuine code');
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
    } finally {
      await closeProfile(context);
      await demo.stop();
    }
  });

  it('attachments from another site: uploaded with the bearer to the backend, listed, previewed after a reload', async () => {
    const demo = await startDemo();
    const context = await launchProfile({ block: true });
    try {
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
    } finally {
      await closeProfile(context);
      await demo.stop();
    }
  });

  it('control: with third-party cookies allowed the same harness sees one cross', async () => {
    const demo = await startDemo();
    const context = await launchProfile({ block: false });
    try {
      await plantThirdPartyCookie(context, demo);
      const tab = await openEmbeddingPage(context, demo, { block: false });
      await tab.waitForState('signed-out');
      assert.ok(demo.stats.crossSiteRequestsWithOtherCookies > 0, 'the planted third-party cookie crossed');
    } finally {
      await closeProfile(context);
      await demo.stop();
    }
  });

  it('where partitioned cookies are refused: a bearer credential, kept by credential-storage, survives a reload', async () => {
    const demo = await startDemo();
    const context = await launchProfile({ block: true });
    try {
      const tab = await openEmbeddingPage(context, demo, { query: '?stand-in=1&credential-storage=session' });
      const { page } = tab;
      // The browser keeps no partitioned cookie: the probe's cookie never arrives.
      await page.route('**/api/auth/embed/probe', async route => {
        const response = await route.fetch();
        const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => name !== 'set-cookie'));
        await route.fulfill({ response, headers });
      });
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
    } finally {
      await closeProfile(context);
      await demo.stop();
    }
  });
});
