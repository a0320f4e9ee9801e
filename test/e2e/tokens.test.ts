import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail, type Demo } from './support.js';

// Tokens that live 6 s (5 to 6 s: iat is whole seconds) and a backend with NO clock tolerance, so
// a token sent a moment too late is refused.
const shortLived = { JWT_EXPIRATION: '6s' };
const strict = { clockToleranceSec: 0 };

async function chatFor(demoPage: DemoPage, ms: number): Promise<string[]> {
  const replies: string[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    replies.push(await demoPage.send(`message ${replies.length + 1}`));
    await demoPage.page.waitForTimeout(700);
  }
  return replies;
}

function assertEveryChatRequestSucceeded(demo: Demo): void {
  assert.equal(demo.chatAnswers(401), 0, 'the backend never answered 401');
  const statuses = Object.keys(demo.stats.chatResponsesByStatus);
  assert.deepEqual(statuses, ['200'], `every chat request succeeded: ${JSON.stringify(demo.stats.chatResponsesByStatus)}`);
}

describe('tokens, end to end', () => {
  let browser: Browser;
  before(async () => (browser = await launchBrowser()));
  after(() => browser.close());

  /** A strict short-token demo and a browser context of its own (cookies, clock), both closed after `run`. */
  async function inOwnContext(run: (demo: Demo, context: BrowserContext) => Promise<void>): Promise<void> {
    const demo = await startDemo(shortLived, strict);
    const context = await browser.newContext();
    try {
      await run(demo, context);
    } finally {
      await context.close();
      await demo.stop();
    }
  }

  it('outlives many token lifetimes: a new token before each expiry, never a 401', async () => {
    const demo = await startDemo(shortLived, strict);
    try {
      const demoPage = await DemoPage.open(browser, demo);
      await demoPage.signUp('Katherine Johnson', uniqueEmail('katherine'));
      await demoPage.waitForState('ready');
      const replies = await chatFor(demoPage, 20_000);
      assert.ok(replies.length >= 8, `chatted throughout (${replies.length} replies)`);
      for (const reply of replies) assert.match(reply, /You wrote/);

      const { tokens, chatErrors } = await demoPage.record();
      assert.deepEqual(chatErrors, []);
      assert.ok(tokens.length >= 4, `refreshed over several lifetimes (${tokens.length} tokens)`);
      tokens.slice(1).forEach((token, i) => {
        assert.ok(token.at < tokens[i]!.expiresAt, `token ${i + 2} arrived ${tokens[i]!.expiresAt - token.at} ms before the previous expired`);
      });
      assert.equal(demo.stats.tokensIssued, tokens.length, 'no token request beyond the refreshes');
      assertEveryChatRequestSucceeded(demo);
    } finally {
      await demo.stop();
    }
  });

  it('a tab asleep past its token\'s expiry sends no expired token on waking', async () => {
    await inOwnContext(async (demo, context) => {
      await context.clock.install(); // the page's own clock, running in step with the real one until paused
      const demoPage = await DemoPage.open(context, demo);
      await demoPage.signUp('Dorothy Vaughan', uniqueEmail('dorothy'));
      await demoPage.waitForState('ready');
      assert.match(await demoPage.send('before sleeping'), /You wrote/);
      // A laptop lid closed: the page's timers and clock stop while real time (and the token) runs out.
      const { clock } = demoPage.page;
      await clock.pauseAt((await demoPage.page.evaluate(() => Date.now())) + 10);
      const issuedAsleep = demo.stats.tokensIssued;
      await new Promise(resolve => setTimeout(resolve, 9_000)); // longer than a token lives
      assert.equal(demo.stats.tokensIssued, issuedAsleep, 'asleep: no refresh');
      // The lid opens: the clock jumps ahead, and the user's message goes before the overdue
      // refresh timer has run (timers still paused): only getToken's own check stands in its way.
      await clock.setSystemTime(Date.now());
      assert.match(await demoPage.send('after waking'), /You wrote/);
      await clock.resume();
      assert.ok(demo.stats.tokensIssued > issuedAsleep, 'a new token after waking');
      assertEveryChatRequestSucceeded(demo);
    });
  });

  it('two widgets on one page: one token request per refresh', async () => {
    const demo = await startDemo(shortLived, strict);
    try {
      const demoPage = await DemoPage.open(browser, demo);
      // GET /api/auth/token answered with a token, from now on (a signed-out probe may precede)
      const tokenRequests: number[] = [];
      demoPage.page.on('response', response => {
        if (new URL(response.url()).pathname === '/api/auth/token' && response.ok()) tokenRequests.push(response.status());
      });
      await demoPage.signUp('Dorothy Vaughan', uniqueEmail('dorothy'));
      await demoPage.waitForState('ready');
      await demoPage.page.evaluate(() => {
        const first = document.querySelector('#widget')!;
        const second = first.cloneNode() as HTMLElement;
        second.id = 'second';
        second.addEventListener('auth-chatkit-token', event => {
          const win = window as unknown as { secondTokens: number[] };
          (win.secondTokens ??= []).push((event as CustomEvent<{ expiresAt: number }>).detail.expiresAt);
        });
        first.after(second);
      });
      await demoPage.page.locator('#second[state=ready]').waitFor({ state: 'attached' });
      const signedInRequests = tokenRequests.length;
      await demoPage.page.waitForTimeout(12_000);
      // Read at a quiet moment: just after a refresh landed, seconds before the next one is due.
      const seen = await demoPage.page.evaluate(() => (window as unknown as { secondTokens: number[] }).secondTokens.length);
      await demoPage.page.waitForFunction(
        count => (window as unknown as { secondTokens: number[] }).secondTokens.length > count,
        seen,
        { timeout: 10_000 },
      );
      await demoPage.page.waitForTimeout(500);

      const { tokens } = await demoPage.record();
      const secondTokens = await demoPage.page.evaluate(() => (window as unknown as { secondTokens: number[] }).secondTokens);
      const refreshes = tokenRequests.length - signedInRequests;
      assert.ok(refreshes >= 2, `refreshed while watched (${refreshes})`);
      const distinct = new Set(tokens.map(token => token.expiresAt));
      assert.equal(tokenRequests.length, demo.stats.tokensIssued, 'every token the server issued went to this page');
      assert.equal(distinct.size, demo.stats.tokensIssued, 'every token request gave a token both widgets share');
      assert.equal(secondTokens.length, refreshes + 1, 'the second widget saw each new token once');
      assert.ok(secondTokens.every(expiresAt => distinct.has(expiresAt)), 'the second widget saw only shared tokens');
    } finally {
      await demo.stop();
    }
  });

  it('two tabs of one session: one token request per refresh round, not one per tab', async () => {
    await inOwnContext(async (demo, context) => {
      const first = await DemoPage.open(context, demo);
      await first.signUp('Annie Easley', uniqueEmail('annie'));
      await first.waitForState('ready');
      const second = await DemoPage.open(context, demo); // the same session cookie
      await second.waitForState('ready');
      const issuedBefore = demo.stats.tokensIssued;
      const started = Date.now();
      const replies = await Promise.all([chatFor(first, 16_000), chatFor(second, 16_000)]);
      const elapsed = Date.now() - started;
      assert.ok(replies.every(list => list.length >= 6), 'both tabs chatted throughout');
      assertEveryChatRequestSucceeded(demo);
      // a refresh round every ~4 s (80 % of a 5 s lifetime); unshared, each tab would make its own
      const rounds = Math.ceil(elapsed / 4_000);
      const issued = demo.stats.tokensIssued - issuedBefore;
      assert.ok(issued <= rounds + 1, `${issued} token requests in ${elapsed} ms for two tabs (one per round: at most ${rounds + 1})`);
      assert.ok(issued >= rounds - 2, `and they refresh (${issued})`);
    });
  });

  for (const [label, skewMs] of [
    ['10 minutes fast', 10 * 60_000],
    ['10 minutes slow', -10 * 60_000],
  ] as const) {
    it(`device clock ${label}: no 401, no refresh storm`, async () => {
      await inOwnContext(async (demo, context) => {
        await context.clock.install({ time: Date.now() + skewMs });
        const demoPage = await DemoPage.open(context, demo);
        assert.ok(Math.abs((await demoPage.page.evaluate(() => Date.now())) - skewMs - Date.now()) < 5_000, 'the page clock is off');
        await demoPage.signUp('Mary Jackson', uniqueEmail('mary'));
        await demoPage.waitForState('ready');
        const started = Date.now();
        const replies = await chatFor(demoPage, 14_000);
        const elapsed = Date.now() - started;
        assert.ok(replies.length >= 6, `chatted throughout (${replies.length} replies)`);
        assertEveryChatRequestSucceeded(demo);
        // refreshes at 80% of a 5 s lifetime: one every ~4 s, plus the first
        const ceiling = Math.ceil(elapsed / 4_000) + 3;
        assert.ok(demo.stats.tokensIssued <= ceiling, `${demo.stats.tokensIssued} token requests in ${elapsed} ms (at most ${ceiling})`);
        assert.ok(demo.stats.tokensIssued >= 3, 'and it still refreshes');
      });
    });
  }
});
