import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail } from './support.js';

describe('an auth outage, end to end', () => {
  let browser: Browser;
  before(async () => (browser = await launchBrowser()));
  after(() => browser.close());

  it('shows retrying, keeps chatting while the token lasts, and recovers by itself', async () => {
    // 30 s tokens refreshed 25 s before expiry: the refresh fails ~4 s in, the token lasts ~20 s more.
    const demo = await startDemo({ JWT_EXPIRATION: '30s' }, { clockToleranceSec: 0 });
    try {
      const demoPage = await DemoPage.open(browser, demo);
      const { page } = demoPage;
      await page.locator('#widget').evaluate(widget => widget.setAttribute('refresh-leeway', '25'));
      await demoPage.signUp('Margaret Hamilton', uniqueEmail('margaret'));
      await demoPage.waitForState('ready');

      let refused = 0;
      await page.route('**/api/auth/token', route => {
        refused++;
        return route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"down for maintenance"}' });
      });
      await demoPage.waitForState('retrying', 10_000);
      assert.match(await page.locator('#widget').locator('[part=notice]').innerText(), /Retrying/);
      assert.match(await demoPage.send('still there?'), /You wrote/, 'the chat works on the current token');
      assert.ok(refused >= 1, 'the refresh met the outage');

      await page.unroute('**/api/auth/token');
      await demoPage.waitForState('ready', 20_000);
      assert.match(await demoPage.send('back?'), /You wrote/);
      const { chatErrors, widgetErrors } = await demoPage.record();
      assert.deepEqual(chatErrors, []);
      assert.deepEqual(widgetErrors.map(error => error.code), ['server'], 'reported once, not once per retry');
      assert.equal(demo.chatAnswers(401), 0);
    } finally {
      await demo.stop();
    }
  });
});
