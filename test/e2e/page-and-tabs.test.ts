// The demo page as people see it (phone and desktop screenshots, with assertions on what shows), and
// sessions changing in other tabs of the host app, followed by every widget with no host code.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail, type Demo } from './support.js';

const viewports = { phone: { width: 375, height: 667 }, desktop: { width: 1280, height: 800 } };

/** Whether `selector`'s box lies within `container`'s (no overflow out of the panel). */
async function fitsIn(page: Page, selector: string, container: string): Promise<boolean> {
  return page.evaluate(
    ([inner, outer]) => {
      const a = document.querySelector(inner!)!.getBoundingClientRect();
      const b = document.querySelector(outer!)!.getBoundingClientRect();
      return a.left >= b.left - 0.5 && a.right <= b.right + 0.5;
    },
    [selector, container],
  );
}

describe('the demo page and other tabs, end to end', () => {
  let browser: Browser;
  let demo: Demo;
  before(async () => {
    browser = await launchBrowser();
    demo = await startDemo();
  });
  after(async () => {
    await demo.stop();
    await browser.close();
  });

  for (const [size, viewport] of Object.entries(viewports)) {
    it(`shows one form at a time and keeps a long e-mail address inside the panel (${size})`, async () => {
      const context = await browser.newContext({ viewport });
      try {
        const demoPage = await DemoPage.open(context, demo);
        const { page } = demoPage;
        await demoPage.waitForState('signed-out');
        assert.equal(await page.locator('#sign-up').isVisible(), true, 'the sign-up form shows');
        assert.equal(await page.locator('#sign-in').isVisible(), false, 'the sign-in form does not, until its tab is chosen');
        mkdirSync('test-artifacts', { recursive: true });
        await page.screenshot({ path: `test-artifacts/demo-signed-out-${size}.png`, fullPage: true });
        await page.locator('#tab-sign-in').click();
        assert.equal(await page.locator('#sign-up').isVisible(), false);
        assert.equal(await page.locator('#sign-in').isVisible(), true);
        await page.locator('#tab-sign-up').click();

        const email = uniqueEmail(`a.very.long.address.of.someone.who.likes.long.names.${size}`);
        await demoPage.signUp('Ada', email);
        await demoPage.waitForState('ready');
        assert.equal(await page.locator('#signed-out').isVisible(), false);
        assert.equal(await page.locator('#who-email').innerText(), `(${email})`);
        assert.ok(await fitsIn(page, '#signed-in p', '#account'), 'the address wraps inside the account panel');
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scrolling');
        assert.ok(await page.locator('auth-chatkit').isVisible());
        await page.screenshot({ path: `test-artifacts/demo-ready-${size}.png`, fullPage: true });
        assert.deepEqual(demoPage.pageErrors, []);
      } finally {
        await context.close();
      }
    });
  }

  it("follows sign-in and sign-out in other tabs of the host app, with no host code, within a second", async () => {
    const context = await browser.newContext();
    try {
      const tabA = await DemoPage.open(context, demo);
      const tabB = await DemoPage.open(context, demo);
      await tabA.waitForState('signed-out');
      await tabB.waitForState('signed-out');

      // A sign-in where a widget lives: that widget's first token reaches the other tabs at once.
      await tabA.signUp('Tab User', uniqueEmail('tabs'));
      await tabA.waitForState('ready');
      await tabB.waitForState('ready', 1_000);

      // A sign-out in a tab of the host app without a widget: only Better Auth's own client message
      // (localStorage `better-auth.message`) can tell tab B.
      await tabA.page.evaluate(() => document.querySelector('auth-chatkit')!.remove());
      const before = demo.stats.tokensIssued;
      await tabA.signOut();
      await tabB.waitForState('signed-out', 1_000);
      assert.equal(demo.stats.tokensIssued, before, 'no token was issued after the sign-out');
      assert.deepEqual([...tabA.pageErrors, ...tabB.pageErrors], []);
    } finally {
      await context.close();
    }
  });
});
