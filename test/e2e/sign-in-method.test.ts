// signIn(): a host that fills the signed-out slot with its own button starts the any-site sign-in
// from it, against the real demo server on another site (the page at http://localhost:P, the auth
// server at http://127.0.0.1:P): the popup, the same events, and a chat once signed in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail, type Demo } from './support.js';

describe('signIn() from a button of the host in the signed-out slot', () => {
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

  /** The demo page on another site than its auth server, with the host's own sign-in button slotted in. */
  async function embeddingPage(): Promise<DemoPage> {
    const tab = await DemoPage.open(browser, demo, '?stand-in=1', { origin: `http://localhost:${demo.port}` });
    await tab.waitForState('signed-out');
    await tab.page.evaluate(() => {
      const widget = document.querySelector<HTMLElement & { signIn(): void }>('auth-chatkit')!;
      const button = Object.assign(document.createElement('button'), { slot: 'signed-out', id: 'host-sign-in', textContent: 'Sign in to chat' });
      button.addEventListener('click', () => widget.signIn());
      widget.append(button);
    });
    return tab;
  }

  it('opens the popup; signed up there, the chat is ready', async () => {
    const tab = await embeddingPage();
    const { page } = tab;
    try {
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#host-sign-in').click()]);
      await popup.waitForLoadState();
      assert.equal(new URL(popup.url()).host, `127.0.0.1:${demo.port}`, 'the popup is on the auth server');
      await popup.locator('#toggle').click();
      await popup.locator('#name').fill('Hedy Lamarr');
      await popup.locator('#email').fill(uniqueEmail('hedy'));
      await popup.locator('#password').fill('correct horse battery staple');
      await popup.locator('#submit').click();
      const closed = popup.waitForEvent('close');
      await popup.locator('#continue').click();
      await closed;
      await tab.waitForState('ready');
      assert.match(await tab.send('whoami'), /Hedy Lamarr/);
      assert.deepEqual(tab.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  it('a blocked popup: the same popup-blocked error as the built-in button', async () => {
    const tab = await embeddingPage();
    const { page } = tab;
    try {
      await page.evaluate(() => (window.open = () => null));
      await page.locator('#host-sign-in').click();
      await page.waitForFunction(() => (window as unknown as { record: { widgetErrors: unknown[] } }).record.widgetErrors.length > 0);
      assert.deepEqual((await tab.record()).widgetErrors.map(error => error.code), ['popup-blocked']);
      assert.equal(await tab.state(), 'signed-out');
    } finally {
      await page.close();
    }
  });
});
