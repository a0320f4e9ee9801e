// The demo page in launcher mode, as people use it: the corner panel on a desktop and the full-screen
// panel on a phone (screenshots in test-artifacts/, with assertions on the boxes), nothing loaded before
// intent, and the panel and thread remembered across a reload for their user only.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail, type Demo } from './support.js';

const viewports = { phone: { width: 375, height: 667 }, desktop: { width: 1280, height: 800 } };
const launcherMode = '?stand-in=1&mode=launcher';

type Box = { x: number; y: number; width: number; height: number };

/** The box of a part of the widget, once its entry animation has ended. */
async function partBox(page: Page, part: string): Promise<Box | null> {
  const locator = page.locator(`#widget [part=${part}]`);
  await locator.evaluate(element => Promise.all(element.getAnimations().map(animation => animation.finished)));
  return locator.boundingBox();
}

/** Where focus is, through the widget's and ChatKit's shadow roots. */
const focusedElement = (page: Page) =>
  page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active ? `${active.localName}${active.getAttribute('part') ? `[part=${active.getAttribute('part')}]` : ''}` : null;
  });

const panelOpen = (page: Page) => page.locator('#widget [part=panel]').evaluate(panel => panel.matches(':popover-open, :modal'));

describe('the launcher on the demo page, end to end', () => {
  let browser: Browser;
  let demo: Demo;
  before(async () => {
    browser = await launchBrowser();
    demo = await startDemo();
    mkdirSync('test-artifacts', { recursive: true });
  });
  after(async () => {
    await demo.stop();
    await browser.close();
  });

  it('desktop (1280 x 800): a corner panel above the launcher, focus in the composer, Escape closes', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    try {
      const demoPage = await DemoPage.open(context, demo, launcherMode);
      const { page } = demoPage;
      await demoPage.signUp('Desk Top', uniqueEmail('desktop'));
      assert.equal(await demoPage.state(), 'idle', 'signing in loads nothing while the launcher waits');
      assert.deepEqual(await partBox(page, 'launcher'), { x: 1280 - 20 - 56, y: 800 - 20 - 56, width: 56, height: 56 });
      await page.screenshot({ path: 'test-artifacts/launcher-closed-desktop.png' });

      await page.locator('#widget [part=launcher]').click();
      await demoPage.waitForState('ready');
      assert.deepEqual(await partBox(page, 'panel'), { x: 1280 - 20 - 400, y: 800 - 20 - 56 - 12 - 640, width: 400, height: 640 });
      assert.equal(await page.locator('#widget [part=close]').isVisible(), false, 'the launcher closes it on a desktop');
      await page.waitForFunction(() => {
        const chatkit = document.querySelector('#widget')!.shadowRoot!.querySelector('openai-chatkit');
        return chatkit?.shadowRoot?.activeElement?.localName === 'textarea';
      });
      assert.equal(await page.locator('#widget [part=launcher]').getAttribute('aria-expanded'), 'true');
      await page.screenshot({ path: 'test-artifacts/launcher-open-desktop.png' });

      await page.keyboard.press('Escape');
      assert.equal(await panelOpen(page), false);
      assert.equal(await focusedElement(page), 'button[part=launcher]');
      assert.deepEqual(demoPage.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  it('phone (375 x 667): the open panel fills the screen with a close button, and the page behind does not scroll', async () => {
    const context = await browser.newContext({ viewport: viewports.phone, hasTouch: true, isMobile: true });
    try {
      const demoPage = await DemoPage.open(context, demo, launcherMode);
      const { page } = demoPage;
      await demoPage.signUp('Phone Hand', uniqueEmail('phone'));
      const launcherBox = await partBox(page, 'launcher');
      assert.deepEqual(launcherBox, { x: 375 - 20 - 56, y: 667 - 20 - 56, width: 56, height: 56 });
      await page.screenshot({ path: 'test-artifacts/launcher-closed-phone.png' });
      const scrollable = await page.evaluate(() => document.documentElement.scrollHeight > innerHeight);
      assert.ok(scrollable, 'the demo page is taller than a phone screen');

      await page.locator('#widget [part=launcher]').tap();
      await demoPage.waitForState('ready');
      assert.deepEqual(await partBox(page, 'panel'), { x: 0, y: 0, width: 375, height: 667 });
      const close = await page.locator('#widget [part=close]').boundingBox();
      assert.ok(close && close.width >= 44 && close.height >= 44 && close.x + close.width <= 375 && close.y < 10, `a visible close button, top right: ${JSON.stringify(close)}`);
      await page.screenshot({ path: 'test-artifacts/launcher-open-phone.png' });

      await page.mouse.move(187, 300);
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate(() => scrollY), 0, 'the page behind stays still');

      await page.locator('#widget [part=close]').tap();
      assert.equal(await panelOpen(page), false);
      assert.equal(await page.evaluate(() => document.documentElement.getAttribute('style')), null, 'the page root as it was');
      await page.mouse.wheel(0, 600);
      await page.waitForFunction(() => scrollY > 0);
      assert.deepEqual(demoPage.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  it('loads neither the token nor ChatKit before intent; a pointer over the launcher starts both', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    try {
      const page = await context.newPage();
      const requested: string[] = [];
      page.on('request', request => requested.push(new URL(request.url()).pathname));
      await page.goto(`${demo.url}/${launcherMode}`, { waitUntil: 'networkidle' });
      assert.ok(requested.includes('/auth-chatkit.js'));
      assert.deepEqual(requested.filter(path => path === '/api/auth/token' || path === '/chatkit-stand-in.js'), [], 'nothing before intent');
      assert.equal(await page.locator('#widget').getAttribute('state'), 'idle');
      await page.locator('#widget [part=launcher]').hover();
      await page.waitForFunction(() => document.querySelector('#widget')?.getAttribute('state') === 'signed-out');
      assert.deepEqual(requested.filter(path => path === '/api/auth/token' || path === '/chatkit-stand-in.js').sort(), ['/api/auth/token', '/chatkit-stand-in.js']);
    } finally {
      await context.close();
    }
  });

  it('remembers the open panel and the thread across a reload, for that user only', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    try {
      const demoPage = await DemoPage.open(context, demo, launcherMode);
      const { page } = demoPage;
      await demoPage.signUp('Ada Lovelace', uniqueEmail('ada'));
      await page.locator('#widget [part=launcher]').click();
      await demoPage.waitForState('ready');
      await demoPage.send('Remember this conversation');
      const title = page.locator('openai-chatkit header .title');
      await page.waitForFunction(() => document.querySelector('#widget')!.shadowRoot!.querySelector('openai-chatkit')!.shadowRoot!.querySelector('.title')!.textContent !== 'New chat');
      const adasTitle = await title.innerText();

      await page.reload();
      await demoPage.waitForState('ready');
      assert.equal(await panelOpen(page), true, 'open again after the reload');
      await page.locator('openai-chatkit li.user', { hasText: 'Remember this conversation' }).waitFor();
      assert.equal(await title.innerText(), adasTitle, 'in the same thread');

      // Another person takes over the browser: Ada's session is gone and Bea signs in, with no page
      // of this tab seeing it happen. This tab's sessionStorage still holds Ada's entry.
      await context.clearCookies();
      const signUp = await page.request.post(`${demo.url}/api/auth/sign-up/email`, {
        headers: { Origin: demo.url },
        data: { name: 'Bea', email: uniqueEmail('bea'), password: 'correct horse battery staple' },
      });
      assert.equal(signUp.status(), 200);
      await page.reload();
      await demoPage.waitForState('ready');
      assert.equal(await panelOpen(page), false, "Ada's open panel is not Bea's");
      await page.locator('#widget [part=launcher]').click();
      assert.equal(await title.innerText(), 'New chat', "nor is Ada's thread");
      assert.equal(await page.locator('openai-chatkit li.user').count(), 0);
      const stored = await page.evaluate(() => Object.entries(sessionStorage));
      assert.equal(stored.length, 1);
      assert.deepEqual(Object.keys(JSON.parse(stored[0]![1])), ['sub', 'open'], "Bea's entry replaced Ada's, with no thread yet");
      assert.doesNotMatch(JSON.stringify(stored), /eyJ/, 'no token in storage');
      assert.deepEqual(demoPage.pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
