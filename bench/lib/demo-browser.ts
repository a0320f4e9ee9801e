// The browser benchmarks' stage: the demo backend in this process on a temporary database (rate limits
// off), headless Chromium (playwright-core, never a downloaded browser), and one browser context holding
// the session cookie of an account signed up through the demo page's form, as a person would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';
import { startServer } from '../../demo/server/app.js';
import { loadConfig } from '../../demo/server/config.js';
import { chromeArgs, findChrome } from '../../scripts/find-chrome.mjs';

export interface SignedInDemo {
  /** The demo backend's URL. */
  url: string;
  browser: Browser;
  /** Holds the account's session cookie. */
  context: BrowserContext;
  /** Closes the context, the browser and the server, and removes the database. */
  close(): Promise<void>;
}

/** Starts the stage; `name` tells the accounts (and temporary folders) of each benchmark apart. */
export async function signedInDemo(name: string): Promise<SignedInDemo> {
  const dir = mkdtempSync(join(tmpdir(), `auth-chatkit-bench-${name}-`));
  // RATE_LIMIT off: every run asks /token several times within seconds, from one address
  const server = await startServer({ ...loadConfig({ PORT: '0', DATABASE_PATH: join(dir, 'demo.sqlite'), RATE_LIMIT: 'off' }), log: false });
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? findChrome(), args: chromeArgs });
  const close = async () => {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/?stand-in=1&mode=inline`);
    const form = page.locator('#sign-up');
    await form.locator('input[name=name]').fill('Bench Reader');
    await form.locator('input[name=email]').fill(`bench.${name}.${Date.now()}@example.com`);
    await form.locator('input[name=password]').fill('correct horse battery staple');
    await form.locator('button[type=submit]').click();
    await page.locator('#widget[state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
    await page.close();
    return { url: server.url, browser, context, close };
  } catch (error) {
    await close();
    throw error;
  }
}
