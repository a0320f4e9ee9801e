// `remember` with two elements on the demo page, against the real demo server: an inline chat next to
// the launcher, and the launcher's embed snippet included twice. Each element keeps its own state
// across reloads; the twin launcher shows no second button.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail, type Demo } from './support.js';

/** Adds, at every load of the page, a copy of the demo's launcher (#widget) after it: `inline`, or the very same. */
async function addTwin(page: Page, kind: 'inline' | 'same'): Promise<void> {
  await page.addInitScript(kind => {
    document.addEventListener('DOMContentLoaded', () => {
      const widget = document.querySelector('#widget')!;
      const twin = widget.cloneNode() as HTMLElement;
      twin.removeAttribute('state');
      if (kind === 'inline') Object.assign(twin, { id: 'inline-chat' }).setAttribute('mode', 'inline');
      widget.after(twin);
    });
  }, kind);
}

const panelOpen = (page: Page) => page.locator('#widget [part=panel]').evaluate(panel => panel.matches(':popover-open, :modal'));

/** Sends `text` in the ChatKit of the element `selector`; resolves once its reply has ended. */
async function send(page: Page, selector: string, text: string): Promise<void> {
  const ended = page.evaluate(() => new Promise(resolve => document.addEventListener('chatkit.response.end', resolve, { once: true })));
  const composer = page.locator(`${selector} openai-chatkit textarea`);
  await composer.fill(text);
  await composer.press('Enter');
  await ended;
}

const messages = (page: Page, selector: string) => page.locator(`${selector} openai-chatkit li.user`).allInnerTexts();

describe('remember with two elements on the demo page', () => {
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

  it('an inline chat beside the launcher: each keeps its own thread, and the launcher stays open over two reloads', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const demoPage = await DemoPage.open(context, demo, '?stand-in=1&mode=launcher', { setUp: page => addTwin(page, 'inline') });
      const { page } = demoPage;
      await demoPage.signUp('Ada Lovelace', uniqueEmail('ada'));
      // the demo tells its own widget of the sign-in; the page's other one, as a host would
      await page.evaluate(() => document.querySelector<HTMLElement & { refresh(): Promise<void> }>('#inline-chat')!.refresh());
      await page.locator('#inline-chat[state=ready]').waitFor({ state: 'attached' });
      await send(page, '#inline-chat', 'In the inline chat');
      await page.locator('#widget [part=launcher]').click();
      await demoPage.waitForState('ready');
      await send(page, '#widget', 'In the launcher');

      for (const reload of [1, 2]) {
        await page.reload();
        await demoPage.waitForState('ready');
        await page.locator('#inline-chat[state=ready]').waitFor({ state: 'attached' });
        assert.equal(await panelOpen(page), true, `reload ${reload}: the launcher open again`);
        await page.locator('#widget openai-chatkit li.user').first().waitFor();
        assert.deepEqual(await messages(page, '#widget'), ['In the launcher'], `reload ${reload}: the launcher's thread`);
        await page.locator('#inline-chat openai-chatkit li.user').first().waitFor();
        assert.deepEqual(await messages(page, '#inline-chat'), ['In the inline chat'], `reload ${reload}: the inline thread`);
      }
      const entries = await page.evaluate(() => Object.values(sessionStorage).map(value => JSON.parse(value) as Record<string, unknown>));
      assert.deepEqual(entries.map(entry => 'open' in entry).sort(), [false, true], 'two entries; only the launcher has open');
      assert.deepEqual(demoPage.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  it('the embed snippet twice: one button, and after a reload one panel open', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const demoPage = await DemoPage.open(context, demo, '?stand-in=1&mode=launcher', { setUp: page => addTwin(page, 'same') });
      const { page } = demoPage;
      await demoPage.signUp('Bea', uniqueEmail('bea'));
      assert.equal(await page.locator('auth-chatkit').count(), 2);
      assert.equal(await page.locator('auth-chatkit [part=launcher]').count(), 1, 'one button');
      await page.locator('auth-chatkit [part=launcher]').click();
      await demoPage.waitForState('ready');

      await page.reload();
      await demoPage.waitForState('ready');
      assert.equal(await page.locator('auth-chatkit [part=launcher]').count(), 1, 'one button after the reload');
      const open = await page.locator('auth-chatkit').evaluateAll(elements => elements.map(el => (el as HTMLElement & { open: boolean }).open));
      assert.deepEqual(open, [true, false], 'the one the user opened, and no other');
      assert.deepEqual(demoPage.pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
