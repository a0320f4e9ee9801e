import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail } from './support.js';

describe('the demo, end to end', () => {
  let browser: Browser;
  before(async () => (browser = await launchBrowser()));
  after(() => browser.close());

  it('fresh database: sign up, ready, a streamed reply, whoami, the thread survives a reload', async () => {
    const demo = await startDemo();
    try {
      const demoPage = await DemoPage.open(browser, demo);
      const { page } = demoPage;
      await demoPage.waitForState('signed-out');
      await demoPage.signUp('Grace Hopper', uniqueEmail('grace'));
      await demoPage.waitForState('ready');

      // The reply streams: the assistant bubble changes many times before the response ends.
      await page.evaluate(() => {
        const log = document.querySelector('auth-chatkit')!.shadowRoot!.querySelector('openai-chatkit')!.shadowRoot!.querySelector('.log')!;
        const win = window as unknown as { bubbleUpdates: number };
        win.bubbleUpdates = 0;
        new MutationObserver(records => {
          win.bubbleUpdates += records.filter(r => (r.target as Element).closest?.('li.assistant') ?? r.target.parentElement?.closest('li.assistant')).length;
        }).observe(log, { subtree: true, childList: true, characterData: true });
      });
      const reply = await demoPage.send('Tell me about tokens');
      assert.ok(reply.length > 20, `a useful reply: ${reply}`);
      const updates = await page.evaluate(() => (window as unknown as { bubbleUpdates: number }).bubbleUpdates);
      assert.ok(updates > 3, `rendered as it streamed (${updates} updates)`);

      // A second copy of the script (another URL, so a second module instance) changes nothing.
      await page.addScriptTag({ url: '/auth-chatkit.js?copy=2', type: 'module' });
      assert.equal(await demoPage.state(), 'ready');

      const whoami = await demoPage.send('whoami');
      assert.match(whoami, /Grace Hopper/);
      const record = await demoPage.record();
      assert.deepEqual(record.chatErrors, []);
      assert.deepEqual(demoPage.pageErrors, []);
      assert.equal(demo.chatAnswers(401), 0);

      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/demo-ready.png', fullPage: true });

      const title = await page.locator('openai-chatkit header .title').innerText();
      await page.reload();
      await demoPage.waitForState('ready');
      const listed = page.locator('openai-chatkit select option', { hasText: title });
      await listed.waitFor({ state: 'attached' });
      assert.equal(await listed.count(), 1, `thread "${title}" listed after the reload`);
      await page.locator('openai-chatkit select').selectOption({ label: title });
      await page.locator('openai-chatkit li.assistant', { hasText: 'You are Grace Hopper' }).waitFor();

      // ?stand-in=1 was remembered: the page without it keeps the stand-in
      await page.goto(`${demo.url}/`);
      assert.equal(await page.locator('#stand-in').isChecked(), true);
      await demoPage.waitForState('ready');
    } finally {
      await demo.stop();
    }
  });

  it('sign out: signed-out within two seconds; sign in again: ready, no reload', async () => {
    const demo = await startDemo();
    try {
      const demoPage = await DemoPage.open(browser, demo);
      const email = uniqueEmail('alan');
      await demoPage.signUp('Alan Turing', email);
      await demoPage.waitForState('ready');
      const navigations: string[] = [];
      demoPage.page.on('framenavigated', frame => navigations.push(frame.url()));

      const started = Date.now();
      await demoPage.signOut();
      await demoPage.waitForState('signed-out', 2_000);
      assert.ok(Date.now() - started < 2_000, 'signed-out within two seconds');
      assert.equal(await demoPage.page.locator('auth-chatkit openai-chatkit').count(), 0, 'the chat is gone with the session');

      await demoPage.signIn(email);
      await demoPage.waitForState('ready');
      assert.match(await demoPage.send('whoami'), /Alan Turing/);
      assert.deepEqual(navigations, [], 'no reload');
    } finally {
      await demo.stop();
    }
  });

  it('the real ChatKit is the default, and its load failure offline says to use the stand-in', async () => {
    const demo = await startDemo();
    try {
      const demoPage = await DemoPage.open(browser, demo, '?stand-in=0');
      await demoPage.page.route('https://cdn.platform.openai.com/**', route => route.abort('internetdisconnected'));
      await demoPage.signUp('Edsger Dijkstra', uniqueEmail('edsger'));
      await demoPage.waitForState('error');
      assert.match(await demoPage.page.locator('#stand-in-help').innerText(), /Turn on the offline ChatKit stand-in/);
      await demoPage.page.getByLabel('offline ChatKit stand-in').check();
      await demoPage.waitForState('ready');
      assert.match(await demoPage.send('whoami'), /Edsger Dijkstra/);
    } finally {
      await demo.stop();
    }
  });
});
