// End-to-end harness: the real demo backend in-process (temp SQLite, real Better Auth, real jose)
// and the built demo page in Debian's Chromium driven by playwright-core. `npm test` builds the
// bundles before this suite runs.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ServerConfig } from '../../demo/server/config.js';
import { chromeArgs, findChrome } from '../../scripts/find-chrome.mjs';
import { startTestServer, type TestServer } from '../server/helpers.js';

export interface Demo extends TestServer {
  /** chat answers with this status so far */
  chatAnswers(status: number): number;
}

/** The demo backend as the server tests start it, with a little delay between reply deltas so replies visibly stream. */
export async function startDemo(env: Record<string, string> = {}, config: Partial<ServerConfig> = {}): Promise<Demo> {
  const server = await startTestServer({ env, config: { offlineDelayMs: 15, ...config } });
  return { ...server, chatAnswers: status => server.stats.chatResponsesByStatus[status] ?? 0 };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROME_PATH ?? findChrome(), args: chromeArgs });
}

interface PageRecord {
  tokens: { at: number; expiresAt: number }[];
  responsesEnded: number;
  chatErrors: string[];
  widgetErrors: { code: string; message: string }[];
}

// Runs in the page before its scripts: records what the widget tells everyone (never a token).
function recordWidgetEvents(): void {
  const record: PageRecord = { tokens: [], responsesEnded: 0, chatErrors: [], widgetErrors: [] };
  (window as unknown as { record: PageRecord }).record = record;
  document.addEventListener('auth-chatkit-token', event => {
    record.tokens.push({ at: Date.now(), expiresAt: (event as CustomEvent<{ expiresAt: number }>).detail.expiresAt });
  });
  document.addEventListener('chatkit.response.end', () => record.responsesEnded++);
  document.addEventListener('chatkit.error', event => record.chatErrors.push(String((event as CustomEvent<{ error: Error }>).detail.error.message)));
  document.addEventListener('auth-chatkit-error', event => record.widgetErrors.push((event as CustomEvent).detail));
}

/** The demo page, as a person uses it. */
export class DemoPage {
  /**
   * Opens the demo page at `origin` (default: the server's public URL; `http://localhost:PORT` is
   * another site), after `setUp` ran on the new tab.
   */
  static async open(
    browser: Browser | BrowserContext,
    demo: Demo,
    query = '?stand-in=1',
    { origin = demo.url, setUp }: { origin?: string; setUp?: (page: Page) => Promise<void> } = {},
  ): Promise<DemoPage> {
    const page = await browser.newPage();
    await page.addInitScript(recordWidgetEvents);
    await setUp?.(page);
    const demoPage = new DemoPage(page);
    await page.goto(`${origin}/${query}`);
    return demoPage;
  }

  /** Uncaught errors in the page (none expected). */
  readonly pageErrors: string[] = [];

  constructor(readonly page: Page) {
    page.on('pageerror', error => this.pageErrors.push(error.message));
  }

  record(): Promise<PageRecord> {
    return this.page.evaluate(() => (window as unknown as { record: PageRecord }).record);
  }

  async signUp(name: string, email: string, password = 'correct horse battery staple'): Promise<void> {
    const form = this.page.locator('#sign-up');
    await form.locator('input[name=name]').fill(name);
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=password]').fill(password);
    await form.locator('button[type=submit]').click();
    await this.page.locator('#signed-in').waitFor({ state: 'visible' });
  }

  async signIn(email: string, password = 'correct horse battery staple'): Promise<void> {
    await this.page.locator('#tab-sign-in').click();
    const form = this.page.locator('#sign-in');
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=password]').fill(password);
    await form.locator('button[type=submit]').click();
    await this.page.locator('#signed-in').waitFor({ state: 'visible' });
  }

  async signOut(): Promise<void> {
    await this.page.locator('#sign-out').click();
  }

  state(): Promise<string | null> {
    return this.page.locator('#widget').getAttribute('state');
  }

  /** From now on, every progress note the stand-in shows is recorded, in order (takeProgressNotes). */
  async recordProgressNotes(): Promise<void> {
    await this.page.evaluate(() => {
      const win = window as unknown as { progressNotes: string[] };
      win.progressNotes = [];
      const log = document.querySelector('auth-chatkit')!.shadowRoot!.querySelector('openai-chatkit')!.shadowRoot!.querySelector('.log')!;
      new MutationObserver(records => {
        for (const record of records) for (const node of record.addedNodes) if ((node as Element).classList?.contains('progress')) win.progressNotes.push(node.textContent ?? '');
      }).observe(log, { childList: true });
    });
  }

  /** The progress notes shown since recordProgressNotes() or the last take, in order. */
  takeProgressNotes(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { progressNotes: string[] }).progressNotes.splice(0));
  }

  async waitForState(state: string, timeout = 10_000): Promise<void> {
    await this.page.locator(`#widget[state=${state}]`).waitFor({ state: 'attached', timeout });
  }

  /** Sends a message through the stand-in's composer; resolves the assistant's finished reply. */
  async send(text: string, timeout = 10_000): Promise<string> {
    const before = (await this.record()).responsesEnded;
    const composer = this.page.locator('openai-chatkit textarea');
    await composer.fill(text);
    await composer.press('Enter');
    await this.page.waitForFunction(
      count => (window as unknown as { record: PageRecord }).record.responsesEnded > count,
      before,
      { timeout },
    );
    return this.page.locator('openai-chatkit li.assistant').last().innerText();
  }
}

export const uniqueEmail = (name: string) => `${name}.${Date.now()}.${Math.random().toString(36).slice(2, 7)}@example.com`;
